"""Reading a row's stored names (crm.stored_names) in tests: what it stores, what it should."""


def names_of(row) -> str:
    model = type(row)
    return model.objects.values_list(model.stored_names.column, flat=True).get(pk=row.pk)


def expected_of(row) -> str:
    model = type(row)
    return (
        model.objects.filter(pk=row.pk)
        .annotate(expected=model.stored_names.stored_expression())
        .values_list("expected", flat=True)
        .get()
    )


def stale(row, names: str) -> None:
    """Writes ``names`` over the row's copy, as a write around the models would."""
    type(row).objects.filter(pk=row.pk).update(**{type(row).stored_names.column: names})
