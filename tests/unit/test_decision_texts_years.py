"""Ages in the reasons read as a person writes them: Russian puts the word in the form the number asks for."""

import pytest

from chalicelib.domain.decision import Years, render


@pytest.mark.parametrize(
    ("age", "ru"),
    [(1, "1 год"), (3, "3 года"), (11, "11 лет"), (21, "21 год"), (34, "34 года"), (42, "42 года"), (9, "9 лет")],
)
def test_a_russian_age_takes_the_form_its_number_asks_for(age: int, ru: str) -> None:
    assert Years(age).in_language("ru") == ru
    assert Years(age).in_language("kk") == str(age)


def test_a_family_members_age_in_the_reason_is_not_34_let() -> None:
    text = render(
        "tsa.family_member_counted", "info", {"member": "8606****1586", "role": "заявитель", "age": Years(34)}
    )
    assert "(заявитель, 34 года)" in text["ru"]
    assert "34 жаста" in text["kk"] and "aged 34" in text["en"]
