"""Reading the desk's requests: ids from query strings and forms, which view asks."""


MAX_ID = 2**63 - 1  # BigAutoField's largest key


def as_id(value) -> int | None:
    """A primary key from a query or form value: ASCII digits within the column's range,
    else None (``"²".isdigit()`` is true and ``int()`` refuses it; a 30-digit number
    overflows the database driver)."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def is_autocomplete(request):
    return bool(request.resolver_match) and request.resolver_match.url_name == "autocomplete"


def is_list_view(request):
    return bool(request.resolver_match) and (request.resolver_match.url_name or "").endswith("_changelist")


def count_of(n: int, noun: str) -> str:
    """"0 items", "1 item", "245 items": a count with its noun in the right number."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
