"""A customer's page as the clerk reads it: who they are, what they have out (overdue ones
marked), their holds, their last returns and what they owe. Pure: a CustomerView in, text
out, in the store's time zone."""
from __future__ import annotations

from store.customer_rules import age_on
from store.customers import CustomerView
from ui.colour import paint, paint_rows
from ui.tables import DATE_TIME, format_money, format_moment, format_table, zone


def describe(view: CustomerView, tz_name: str, colour: bool = False) -> str:
    """A customer's page: who they are, what they have out, their holds and balance.
    With `colour`, overdue copies are red, and so are what they owe and an inactive card."""
    c = view.customer
    status = "active" if c.active else paint("INACTIVE (cannot hire)", "overdue", colour)
    lines = [f"{c.name} · card {c.card_number} · home store {c.store_name} · {status}"]
    born = ""
    if c.date_of_birth:
        age = (f" (age {age_on(c.date_of_birth, view.as_of.astimezone(zone(tz_name)).date())})"
               if view.as_of else "")
        born = f"born {c.date_of_birth.isoformat()}{age}"
    contact = [x for x in (f"phone {c.phone}" if c.phone else "", c.email or "", born) if x]
    lines.append("  " + (" · ".join(contact) or "no phone or e-mail"))
    address = ", ".join(x for x in (c.address_line1, c.address_line2, c.city, c.postal_code,
                                    c.country) if x)
    if address:
        lines.append("  " + address)
    lines.append("  " + paint(balance_line(view), "overdue" if view.balance > 0 else "ok",
                              colour))
    if view.open_hires:
        late = [h.overdue(view.as_of) for h in view.open_hires]
        lines.append(f"Out now ({len(view.open_hires)}):")
        lines.append(indent(paint_rows(format_table(
            ["Title", "Copy", "Format", "Store", "Hired", "Due back", ""],
            [[h.title, h.copy_id, h.format, h.store_name, format_moment(h.hired_at, tz_name),
              format_moment(h.due_at, tz_name, DATE_TIME), "OVERDUE" if overdue else ""]
             for h, overdue in zip(view.open_hires, late)]),
            ["overdue" if overdue else None for overdue in late], colour)))
    else:
        lines.append("Nothing out now.")
    if view.holds:
        lines.append("Holds:")
        lines.append(indent(format_table(
            ["Title", "Store", "Status", "Placed", "Collect by"],
            [[h.title, h.store_name, h.status, format_moment(h.placed_at, tz_name),
              format_moment(h.expires_at, tz_name)] for h in view.holds])))
    if view.recent_hires:
        lines.append(f"Last returned ({view.hires_ever} hires in all):")
        lines.append(indent(format_table(
            ["Title", "Copy", "Hired", "Returned", "Late fee"],
            [[h.title, h.copy_id, format_moment(h.hired_at, tz_name),
              format_moment(h.returned_at, tz_name), h.late_fee] for h in view.recent_hires],
            money_columns=["Late fee"])))
    return "\n".join(lines)


def balance_line(view: CustomerView) -> str:
    if view.balance > 0:
        return f"Owes {format_money(view.balance)}"
    if view.balance < 0:
        return f"In credit {format_money(-view.balance)}"
    return "Owes nothing"


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
