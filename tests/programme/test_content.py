"""The content loader: the shipped modules are valid, every rule of modules_content/README.md
rejects a broken file with ONE line naming the file and the problem, and a broken content
directory stops the server at start-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT, ConfigError, Settings
from app.programme import content

SHIPPED = ROOT / "modules_content"
M1 = "01-thoughts-feelings-actions.md"
M3 = "03-doing-what-matters.md"
M4 = "04-catching-thoughts.md"


@pytest.fixture
def tmp_content(tmp_path: Path) -> Path:
    d = tmp_path / "content"
    shutil.copytree(SHIPPED, d)
    return d


def edit(d: Path, name: str, old: str, new: str, count: int = 1) -> None:
    p = d / name
    text = p.read_text()
    assert old in text, f"test set-up: {old!r} not in {name}"
    p.write_text(text.replace(old, new, count))


def problem(d: Path) -> str:
    with pytest.raises(ConfigError) as e:
        content.load(d)
    msg = str(e.value)
    assert "\n" not in msg, msg
    return msg


def test_shipped_content_is_valid_and_complete():
    p = content.load(SHIPPED)
    assert [m.number for m in p.modules] == [1, 2, 3, 4, 5, 6, 7]
    assert all(len(m.pages) == 7 for m in p.modules)
    assert p.module("thoughts-feelings-actions").pages[0].title == "Welcome"
    module, ex = p.exercise("thought-record-starter")
    assert module.number == 1 and [f.name for f in ex.fields][:3] == ["situation", "thoughts", "emotions"]
    emotions = ex.fields[2]
    assert emotions.type == "rows" and emotions.min_rows == 1 and emotions.max_rows == 5
    assert [c.type for c in emotions.columns] == ["text", "rating_100"]
    # defaults are filled in
    assert p.exercise("my-hopes")[1].fields[1].max_length == 300
    assert p.exercise("worry-time")[1].fields[1].max_length == 4000
    assert p.exercise("graded-steps")[1].fields[1].max_rows == 10
    # options without `correct` (module 5) default to false; `correct: false` written out is fine (module 7)
    assert p.module("challenging-thoughts").quiz[0].correct_index == 1
    assert p.module("staying-well").quiz[0].correct_index == 0


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    (M3, "            type: rating_10\n            label: How I think",
     "            type: rating_5\n            label: How I think",
     "exercises[1].fields[0].columns[2].type: 'rating_5' is not one of text, long_text, rating_100, rating_10"),
    (M1, "      - name: situation\n        type: long_text",
     "      - name: Situation\n        type: long_text", "exercises[0].fields[0].name: 'Situation' must be lower_snake_case"),
    (M1, "      - name: thoughts\n", "      - name: situation\n", "the field name 'situation' is used twice"),
    (M1, "      - name: main_area\n        type: choice\n",
     "      - name: main_area\n        type: choice\n        requried: true\n",
     "exercises[1].fields[2].requried: unknown key (check the spelling"),
    (M1, "content_version: 2", "content_version: 0", "content_version: Input should be greater than or equal to 1"),
    (M1, "content_version: 2", "content_version: one", "content_version: Input should be a valid integer"),
    (M1, "number: 1\n", "number: 9\n", "number: Input should be less than or equal to 7"),
    (M1, "slug: thoughts-feelings-actions\n", "slug: Thoughts_Feelings\n", "slug: 'Thoughts_Feelings' must use lower-case"),
    (M1, "estimated_minutes: 25\n", "", "estimated_minutes: is required"),
    (M1, "summary: Learn", "summery: Learn", "unknown key"),
    (M1, "          - Not sure yet\n", "          - Not sure yet\n          - Not sure yet\n", "each choice must be different"),
    (M1, "        type: choice\n        label: Which area", "        type: text\n        label: Which area",
     "choices are only for choice fields"),
    (M1, "        choices:\n          - Low mood\n          - Worry or anxiety\n          - Sleep\n          - Relationships\n"
         "          - Work, study or money\n          - Getting things done\n          - Not sure yet\n", "",
     "a choice field needs a non-empty list of choices"),
    (M1, "        min_rows: 1\n        max_rows: 5\n        columns:\n", "        min_rows: 1\n        max_rows: 5\n        columns: []\n        old_columns:\n",
     "unknown key"),
    (M1, "        min_rows: 1\n        max_rows: 5\n", "        min_rows: 6\n        max_rows: 5\n", "min_rows (6) is more than max_rows (5)"),
    (M1, "            max_label: As strong as it gets\n      - name: body\n",
     "            max_label: As strong as it gets\n          - name: nested\n            type: rows\n            label: N\n"
     "            columns: [{name: x, type: text, label: X}]\n      - name: body\n",
     "exercises[0].fields[2]: columns[2]: rows cannot contain rows"),
    (M1, "  - slug: my-hopes\n", "  - slug: my-hopes\n    fields: []\n    old_fields:\n", "written twice"),
    (M3, "        max_rows: 8\n        columns:\n", "        max_rows: 8\n        columns: []\n        old:\n",
     "exercises[0].fields[0].old: unknown key"),
    (M1, "            min_label: Not at all\n            max_label: As strong as it gets\n",
     "            min_label: Not at all\n            max_label: As strong as it gets\n            max_length: 3\n",
     "max_length is only for text and long_text fields, not rating_100"),
    (M1, "        max_length: 1000\n      - name: thoughts", "        max_length: 1000\n        min_label: low\n      - name: thoughts",
     "min_label and max_label are only for rating_100 and rating_10 fields"),
    (M1, "        required: true\n        max_length: 1000\n      - name: thoughts",
     "        required: yes please\n        max_length: 1000\n      - name: thoughts", "required: Input should be a valid boolean"),
    (M1, "        correct: true\n        feedback: Yes. This is a thought",
     "        correct: false\n        feedback: Yes. This is a thought", "exactly one option must have correct: true (found 0)"),
    (M1, "        correct: false\n        feedback: Not quite. Worried",
     "        correct: true\n        feedback: Not quite. Worried", "exactly one option must have correct: true (found 2)"),
    (M1, "        feedback: Not quite. Worried is an emotion. Emotions are often one word. The thought is the idea behind it, like \"She must be fed up with me.\"\n",
     "", "quiz[0].options[1].feedback: is required"),
    (M1, "      - text: Worried\n", "      - text: Yes\n", "quiz[0].options[1].text: expected text, got true (put it in quotes)"),
    (M1, "pages:\n  - welcome\n", "pages:\n  - welcome\n  - welcome\n", "page slug 'welcome' is listed twice"),
    (M1, "  - thoughts-and-feelings\n  - body-and-actions\n  - vicious-cycles\n  - your-practice-this-week\n", "",
     "pages: List should have at least 4 items"),
    (M1, "  - vicious-cycles\n  - your-practice-this-week\n",
     "  - your-practice-this-week\n  - vicious-cycles\n", "pages[5] is 'your-practice-this-week' but page heading 6 is {#vicious-cycles}"),
    (M1, "  - your-practice-this-week\n", "", "page {#your-practice-this-week} is not listed in pages"),
    (M1, "# Body and actions {#body-and-actions}", "# Body and actions", "needs a page slug at the end"),
    (M1, "# Body and actions {#body-and-actions}", "# Body and actions {#Body}", "page slug 'Body' must use lower-case"),
    (M1, "---\n\n# Welcome {#welcome}", "---\nHello there.\n\n# Welcome {#welcome}", "text before the first page heading"),
    (M1, "  - slug: my-hopes\n", "  - slug: thought-record-starter\n", "the exercise slug 'thought-record-starter' is used twice"),
    (M1, "title: How thoughts", "title: [How thoughts", "the metadata header is not valid YAML"),
    (M1, "estimated_minutes: 25\n", "estimated_minutes: 25\nestimated_minutes: 30\n", "the key 'estimated_minutes' is written twice"),
    (M4, "        options:\n          - All-or-nothing thinking\n", "        old_options:\n          - All-or-nothing thinking\n",
     "old_options: unknown key"),
    (M4, "        type: choices\n        label: Which thinking traps", "        type: text\n        label: Which thinking traps",
     "options are only for choices fields, not text"),
    (M4, "          - Mind reading\n", "          - Mind reading\n          - Mind reading\n", "options: each option must be different"),
    (M4, "          - Labelling\n", "          - \"\"\n", "options[5]: must not be empty"),
])
def test_each_rule_gives_one_line_naming_file_and_problem(tmp_content, name, old, new, expected):
    edit(tmp_content, name, old, new)
    msg = problem(tmp_content)
    assert msg.startswith(f"{tmp_content / name}: ") or msg.startswith(f"{name}: "), msg
    assert expected in msg, msg


TRAPS = ["All-or-nothing thinking", "Mind reading", "Fortune telling", "Catastrophising", "Should statements",
         "Labelling", "Discounting the positive", "Emotional reasoning", "Overgeneralising", "Not sure"]


def test_the_thinking_trap_field_ticks_the_traps_the_lesson_teaches():
    p = content.load(SHIPPED)
    m = p.module("catching-thoughts")
    f = next(f for f in m.exercises[0].fields if f.name == "thinking_trap")
    assert f.type == "choices" and f.options == TRAPS and f.choices is None and f.max_length is None
    assert m.content_version == 3  # the exercise changed from free text to ticked traps
    lesson = (SHIPPED / M4).read_text()
    for trap in TRAPS[:-1]:  # each option is a trap the module teaches by name
        assert f"## {trap}" in lesson or f"**{trap.lower()}**" in lesson, trap


@pytest.mark.parametrize("options", ["", "        options: []\n"])
def test_a_choices_field_without_options_is_refused(tmp_content, options):
    text = (tmp_content / M4).read_text()
    block = "        options:\n" + "".join(f"          - {t}\n" for t in TRAPS)
    assert block in text
    (tmp_content / M4).write_text(text.replace(block, options))
    msg = problem(tmp_content)
    assert M4 in msg and "exercises[0].fields[4]" in msg and "a choices field needs a non-empty list of options" in msg, msg


def test_exercise_slugs_are_unique_across_modules(tmp_content):
    edit(tmp_content, M3, "  - slug: values-and-activities\n", "  - slug: thought-record-starter\n")
    msg = problem(tmp_content)
    assert M3 in msg and "exercises[0].slug: 'thought-record-starter' is also used by" in msg and M1 in msg


def test_module_numbers_unique_and_without_gaps(tmp_content):
    (tmp_content / "07-staying-well.md").unlink()
    assert len(content.load(tmp_content).modules) == 6  # 1..6: fine
    (tmp_content / "04-catching-thoughts.md").unlink()
    msg = problem(tmp_content)
    assert "there is no module 4" in msg and str(tmp_content) in msg
    shutil.copy(SHIPPED / "03-doing-what-matters.md", tmp_content / "04-doing-more.md")
    edit(tmp_content, "04-doing-more.md", "slug: doing-what-matters", "slug: doing-more")
    edit(tmp_content, "04-doing-more.md", "number: 3", "number: 4")
    assert "exercises[0].slug: 'values-and-activities' is also used by" in problem(tmp_content)
    (tmp_content / "04-doing-more.md").rename(tmp_content / "03-doing-more.md")
    edit(tmp_content, "03-doing-more.md", "number: 4", "number: 3")
    msg = problem(tmp_content)
    assert "03-doing-more.md: number: 3 is also used by" in msg or "03-doing-what-matters.md: number: 3 is also used by" in msg


def test_file_name_must_match_number_and_slug(tmp_content):
    edit(tmp_content, M1, "number: 1\n", "number: 2\n")
    assert "number: 2 does not match the file name" in problem(tmp_content)


def test_raw_html_is_disabled_and_links_are_safe(tmp_content):
    edit(tmp_content, M1, "Welcome. We are glad you are here.",
         "<script>alert(1)</script> <b onclick=x>hi</b> [bad](javascript:alert(1)) [ok](https://example.org) [in](/help)")
    page = content.load(tmp_content).module("thoughts-feelings-actions").pages[0]
    assert "<script" not in page.html and "&lt;script&gt;" in page.html
    assert "<b " not in page.html and 'href="javascript' not in page.html
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in page.html
    assert '<a href="/help">in</a>' in page.html


def test_headings_inside_code_fences_do_not_split_pages(tmp_content):
    edit(tmp_content, M1, "Welcome. We are glad you are here.", "```\n# not a page\n```")
    assert len(content.load(tmp_content).module("thoughts-feelings-actions").pages) == 7


def test_malformed_content_stops_start_up_with_one_line(tmp_content, monkeypatch, database):
    edit(tmp_content, M3, "            type: rating_10\n            label: How I think",
         "            type: rating_5\n            label: How I think")
    monkeypatch.setenv("ICBT_CONTENT_DIR", str(tmp_content))
    from app.config import get_settings
    get_settings.cache_clear()
    try:
        from app.main import create_app
        with pytest.raises(ConfigError) as e:
            create_app(run_worker=False)
    finally:
        monkeypatch.delenv("ICBT_CONTENT_DIR")
        get_settings.cache_clear()
        content.load_and_validate(get_settings())
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(str(tmp_content / M3) + ": exercises[1].fields[0].columns[2].type: 'rating_5' is not one of")


def test_command_line_check(tmp_content):
    env = {**os.environ, "ICBT_CONTENT_DIR": str(SHIPPED)}
    ok = subprocess.run([sys.executable, "-m", "app.programme.content"], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "7 modules, all valid" in ok.stdout
    edit(tmp_content, M1, "content_version: 2", "content_version: 0")
    bad = subprocess.run([sys.executable, "-m", "app.programme.content"], cwd=ROOT,
                         env={**env, "ICBT_CONTENT_DIR": str(tmp_content)}, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and M1 in bad.stderr and "content_version" in bad.stderr


def test_load_and_validate_caches(tmp_content):
    s = Settings(content_dir=tmp_content)
    first = content.load_and_validate(s)
    assert content.load_and_validate(s) is not first  # start-up reloads
    from app.config import get_settings
    content.load_and_validate(get_settings())
    assert content.get_programme() is content.get_programme()
