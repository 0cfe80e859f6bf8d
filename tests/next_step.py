"""Reading the "Next step" box off a record page, for the tests of each app."""

import re

# The buttons that fill in a record (add a line, an address, a contact) are primary within their
# own panel or disclosure; they do not compete with the step that moves the deal on.
FORM_SUBMITS = {"Add", "Add address", "Add contact", "Put on hold", "Send the invitation"}


def primary_buttons(html: str) -> list[str]:
    """The labels of the page's primary buttons that move a record on (links and buttons)."""
    labels = [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'class="button button-primary"[^>]*>(.*?)</(?:a|button)>', html)
    ]
    return [label for label in labels if label not in FORM_SUBMITS]


def step_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return response.context["next_step"], html


def assert_one_primary(html, label):
    found = primary_buttons(html)
    assert found == [label], found
    # The box is the first thing after the page header.
    assert html.index("data-next-step") < html.index('id="details-heading"')
