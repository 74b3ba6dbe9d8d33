# Videostore — the two commands of the README are `make run` and `make test`.
# Everything they need is prepared here: Debian packages, the virtualenv, the private
# MariaDB, the demo database, the store server.

PY      := .venv/bin/python
STAMP   := .venv/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test up stop setup system db database server status bench soak clean tls reliability

## run: prepare everything, start it in the background, open the clerk terminal
run: up
	@[ -f var/demo-logins.txt ] && cat var/demo-logins.txt || true
	@$(PY) main.py

## test: prepare everything and run the whole test suite
test: setup
	$(PY) -m pytest

## up: MariaDB and the store server running in the background, demo database ready
up: server

## stop: stop the store server and the private MariaDB
stop:
	@[ -x $(PY) ] && $(PY) -m dev.storeserver stop || true
	@python3 -m dev.mariadb stop

setup: system $(STAMP)

system:
	@sh dev/system-packages.sh

$(STAMP): requirements.txt
	@[ -x $(PY) ] || python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -c "import mysql.connector as m; assert m.HAVE_CEXT, 'connector C extension missing'"
	@rm -f .venv/.installed-*
	@touch $@

db: setup
	@python3 -m dev.mariadb start

database: db
	@$(PY) main.py create-db --demo --if-missing
	@$(PY) main.py migrate
	@$(PY) main.py import sakila data/sakila

server: database
	@$(PY) -m dev.storeserver start

## tls: a shop CA and server certificate in var/tls, and TLS on for this checkout
## (var/videostore.toml); `make stop run` then runs server and terminal over TLS
tls: db
	@$(PY) -m dev.tls make var/tls --enable

## bench: every script in bench/ (3 runs each, medians) and the growth runs, against the
## private MariaDB and servers of their own, on Sakila scaled by bench/scale.py; writes
## docs/benchmarks.md. BENCH_ARGS passes options on, e.g. BENCH_ARGS=--quick
bench: db
	$(PY) bench/run_all.py $(BENCH_ARGS)

## soak: the contention history check at size (bench/soak.py): 8 clerk processes x 2000
## operations through the real managers and server, the database checked against the
## history; SOAK_ARGS passes options on, e.g. SOAK_ARGS="--clerks 4 --ops 500"
soak: db
	$(PY) bench/soak.py $(SOAK_ARGS)

## reliability: docs/reliability.md's figures (between its reliability:begin/end markers)
## from the last test run's var/reliability-figures.json and make soak's var/soak-figures.json
reliability: $(STAMP)
	$(PY) -m tests.figures docs/reliability.md

status:
	@python3 -m dev.mariadb status
	@[ -x $(PY) ] && $(PY) -m dev.storeserver status || true

## clean: stop everything and delete var/ (all local data) and the virtualenv
clean: stop
	rm -rf var .venv
