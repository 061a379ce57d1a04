"""Behaviour of the bot's configuration file (bot.config) and how the CLI refuses a bad one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.app import content_paths, sample_content_path
from bot.config import CONFIG_ENV, Config, ConfigError, find_config, load_config, parse_config
from faq.matcher import MatchSettings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_config_from_the_environment(monkeypatch, tmp_path):
    """Every test starts without $EVENTBOT_CONFIG and in an empty working directory."""
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    """The lines of the ConfigError that loading path raises."""
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value).splitlines()


# --- no config file: defaults ------------------------------------------------------------------


def test_without_a_config_file_the_defaults_apply():
    config = load_config(None)
    assert config == Config()
    assert config.default_language == "en"
    assert config.logging.level == "INFO"
    assert config.matching.settings() == MatchSettings()


def test_without_a_config_file_the_data_folder_is_eventbot_data_in_the_working_directory(tmp_path):
    config = load_config(None)
    assert not config.data_dir.is_absolute()
    assert config.data_dir == Path("eventbot-data")
    assert config.data_dir.resolve() == tmp_path / "eventbot-data"


def test_without_a_config_file_the_shipped_sample_content_is_used():
    config = load_config(None)
    assert config.content.path is None
    paths = content_paths(config)
    assert paths == [sample_content_path()]
    assert (paths[0] / "faq-ewrc.yaml").is_file()
    assert (paths[0] / "events.yaml").is_file()


def test_an_empty_config_file_means_the_defaults(tmp_path):
    path = write(tmp_path / "eventbot.yaml", "# nothing configured yet\n")
    assert load_config(path) == Config()


# --- a valid config file -----------------------------------------------------------------------


def test_a_config_file_with_every_key_is_read(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    data = tmp_path / "state"
    path = write(tmp_path / "eventbot.yaml", f"""
        default_language: "no"
        data_dir: {data}
        content:
          path: {content}
          max_file_bytes: 100000
        matching:
          answer_threshold: 40
          suggest_threshold: 20.5
          margin_weight: 3
          min_margin: 1.5
          weights:
            word: 0.6
            char: 0.3
            token: 0.2
          candidates: 50
        logging:
          level: DEBUG
        """)
    config = load_config(path)
    assert config.default_language == "no"
    assert config.data_dir == data
    assert config.content.path == content
    assert config.content.max_file_bytes == 100000
    assert config.logging.level == "DEBUG"
    assert config.matching.settings() == MatchSettings(
        answer_threshold=40.0, suggest_threshold=20.5, margin_weight=3.0, min_margin=1.5,
        word_weight=0.6, char_weight=0.3, token_weight=0.2, candidates=50,
    )
    assert content_paths(config) == [content]


def test_a_bare_no_is_the_norwegian_language_code_not_false(tmp_path):
    path = write(tmp_path / "eventbot.yaml", "default_language: no\n")
    assert load_config(path).default_language == "no"


# --- unknown keys ------------------------------------------------------------------------------


def test_an_unknown_top_level_key_is_reported_with_its_line(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        default_language: en
        logging:
          level: INFO
        colour: blue
        """)
    assert problems(path) == [f"{path}:4: colour: unknown key"]


def test_an_unknown_nested_key_is_reported_with_its_key_path_and_line(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          answer_threshold: 30
          wieghts:
            word: 0.5
        """)
    assert problems(path) == [f"{path}:3: matching.wieghts: unknown key (did you mean 'weights'?)"]


def test_an_unknown_key_two_levels_deep_is_reported_with_its_full_key_path(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          weights:
            word: 0.5
            chars: 0.4
        """)
    assert problems(path) == [f"{path}:4: matching.weights.chars: unknown key (did you mean 'char'?)"]


# --- wrong types -------------------------------------------------------------------------------


def test_a_threshold_that_is_not_a_number_is_reported_with_its_key_path_and_line(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          answer_threshold: high
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:2: matching.answer_threshold: ")
    assert "number" in line


def test_an_unsupported_default_language_is_reported_with_its_key_path(tmp_path):
    path = write(tmp_path / "eventbot.yaml", "default_language: de\n")
    [line] = problems(path)
    assert line.startswith(f"{path}:1: default_language: ")
    # the message tells the admin which codes are allowed
    for code in ("en", "nl", "no", "ja"):
        assert f"'{code}'" in line


def test_a_section_that_is_not_a_mapping_is_reported_with_its_key_path(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        logging: loud
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:1: logging: ")


def test_a_misspelt_log_level_is_refused(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        logging:
          level: CHATTY
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:2: logging.level: ")


@pytest.mark.parametrize(
    ("yaml_text", "key_path"),
    [
        ("matching:\n  suggest_threshold: 0\n  answer_threshold: true\n", "matching.answer_threshold"),
        ("matching:\n  candidates: true\n", "matching.candidates"),
        ("content:\n  max_file_bytes: true\n", "content.max_file_bytes"),
        ("matching:\n  weights:\n    word: false\n", "matching.weights.word"),
        ("matching:\n  semantic:\n    other_language_weight: true\n", "matching.semantic.other_language_weight"),
    ],
    ids=["answer_threshold", "candidates", "max_file_bytes", "weights.word", "semantic.other_language_weight"],
)
def test_a_boolean_where_a_number_belongs_is_a_wrong_type(tmp_path, yaml_text, key_path):
    path = tmp_path / "eventbot.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    lines = problems(path)
    assert any(f": {key_path}: " in line for line in lines), lines


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_a_semantic_weight_outside_0_to_1_is_refused(tmp_path, value):
    path = write(tmp_path / "eventbot.yaml", f"""
        matching:
          semantic:
            other_language_weight: {value}
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:3: matching.semantic.other_language_weight: ")


# --- several problems, ordering rules, refusals --------------------------------------------------


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        default_language: de
        matching:
          answer_threshold: high
          wieghts:
            word: 1
        logging:
          level: INFO
        colour: blue
        """)
    lines = problems(path)
    assert len(lines) == 4, lines
    assert any(line.startswith(f"{path}:1: default_language: ") for line in lines)
    assert any(line.startswith(f"{path}:3: matching.answer_threshold: ") for line in lines)
    assert f"{path}:4: matching.wieghts: unknown key (did you mean 'weights'?)" in lines
    assert f"{path}:8: colour: unknown key" in lines


def test_a_suggest_threshold_above_the_answer_threshold_is_refused(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          answer_threshold: 20
          suggest_threshold: 25
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:")
    assert "matching" in line
    assert "suggest_threshold must not be above answer_threshold" in line


def test_a_suggest_threshold_equal_to_the_answer_threshold_is_allowed(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          answer_threshold: 20
          suggest_threshold: 20
        """)
    settings = load_config(path).matching.settings()
    assert settings.answer_threshold == settings.suggest_threshold == 20.0


def test_a_negative_threshold_is_refused(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        matching:
          suggest_threshold: -1
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:2: matching.suggest_threshold: ")


def test_a_config_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path / "eventbot.yaml", "- en\n- nl\n")
    [line] = problems(path)
    assert line.startswith(f"{path}: ")
    assert "mapping" in line


def test_a_config_file_that_does_not_exist_is_refused(tmp_path):
    path = tmp_path / "missing.yaml"
    assert problems(path) == [f"{path}: config file not found"]


def test_a_yaml_syntax_error_is_reported_with_file_and_line(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        default_language: en
        matching: [30, 15
        """)
    [line] = problems(path)
    assert line.startswith(f"{path}:")
    assert "YAML syntax error" in line


@pytest.mark.parametrize(
    "tagged_value",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object:pathlib.PosixPath {{}}",
        '!!python/name:os.system ""',
    ],
    ids=["python-object-apply", "python-object", "python-name"],
)
def test_a_config_with_a_python_tag_is_refused_without_running_anything(tmp_path, tagged_value):
    marker = tmp_path / "pwned"
    path = write(tmp_path / "eventbot.yaml", f"data_dir: {tagged_value.format(marker=marker)}\n")
    [line] = problems(path)
    assert line.startswith(f"{path}:1: ")
    assert "tag" in line and "python" in line
    assert not marker.exists()


# --- relative paths ----------------------------------------------------------------------------


def test_relative_paths_are_relative_to_the_config_file_not_the_working_directory(tmp_path, monkeypatch):
    config_dir = tmp_path / "etc" / "eventbot"
    path = write(config_dir / "eventbot.yaml", """
        data_dir: state
        content:
          path: ../content
        """)
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)

    config = load_config(Path(os.path.relpath(path, elsewhere)))

    assert config.data_dir.is_absolute()
    assert config.data_dir == config_dir / "state"
    assert config.content.path is not None and config.content.path.is_absolute()
    assert config.content.path.resolve() == tmp_path / "etc" / "content"


def test_absolute_paths_in_the_config_are_kept(tmp_path):
    data, content = tmp_path / "data-abs", tmp_path / "content-abs"
    path = write(tmp_path / "conf" / "eventbot.yaml", f"""
        data_dir: {data}
        content:
          path: {content}
        """)
    config = load_config(path)
    assert config.data_dir == data
    assert config.content.path == content


# --- which config file is used -----------------------------------------------------------------


def test_find_config_without_any_config_finds_none():
    assert find_config(None) is None


def test_find_config_uses_eventbot_yaml_in_the_working_directory(tmp_path):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    found = find_config(None)
    assert found is not None and found.resolve() == tmp_path / "eventbot.yaml"
    assert load_config(found).default_language == "nl"


def test_find_config_ignores_eventbot_yaml_in_other_folders(tmp_path, monkeypatch):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert find_config(None) is None


def test_the_environment_variable_wins_over_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    from_env = write(tmp_path / "env" / "bot.yaml", "default_language: ja\n")
    monkeypatch.setenv(CONFIG_ENV, str(from_env))
    assert find_config(None) == from_env
    assert load_config(find_config(None)).default_language == "ja"


def test_an_empty_environment_variable_is_ignored(tmp_path, monkeypatch):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    monkeypatch.setenv(CONFIG_ENV, "")
    found = find_config(None)
    assert found is not None and found.resolve() == tmp_path / "eventbot.yaml"


def test_the_config_option_wins_over_the_environment_and_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path / "env" / "bot.yaml", "default_language: ja\n")))
    explicit = write(tmp_path / "cli" / "bot.yaml", 'default_language: "no"\n')
    assert find_config(explicit) == explicit
    assert load_config(find_config(explicit)).default_language == "no"


def test_an_explicit_config_that_does_not_exist_is_not_replaced_by_another(tmp_path, monkeypatch):
    write(tmp_path / "eventbot.yaml", "default_language: nl\n")
    missing = tmp_path / "typo.yaml"
    assert find_config(missing) == missing
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(find_config(missing))


# --- the command line refuses to start with a bad config ---------------------------------------


def _eventbot(args: list[str], cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_chat_with_a_bad_config_exits_2_naming_the_key_and_does_not_start(tmp_path):
    write(tmp_path / "bad.yaml", """
        data_dir: state
        matching:
          wieghts:
            word: 1
        """)
    result = _eventbot(["--config", "bad.yaml", "chat"], tmp_path)
    assert result.returncode == 2
    assert "matching.wieghts: unknown key" in result.stderr
    assert "bad.yaml:3:" in result.stderr
    assert result.stdout == ""  # no greeting, no answer: the bot never started
    assert not (tmp_path / "state").exists()
    assert not (tmp_path / "eventbot-data").exists()


def test_a_bad_config_from_the_environment_variable_also_stops_the_command(tmp_path):
    bad = write(tmp_path / "conf" / "bot.yaml", "default_language: de\n")
    result = _eventbot(["faq", "ask", "When is the EWRC?"], tmp_path, {CONFIG_ENV: str(bad)})
    assert result.returncode == 2
    assert "default_language" in result.stderr
    assert result.stdout == ""


def test_roles_name_people_as_platform_and_id():
    from bot.config import ConfigError, parse_config

    config = parse_config({"roles": {"admins": ["telegram:1"], "organisers": {"ewrc": ["slack:U1"], "*": ["console:local"]},
                                     "organiser_chats": {"ewrc": "telegram:-100123"}}})
    assert config.roles.organiser_chats == {"ewrc": "telegram:-100123"}
    with pytest.raises(ConfigError, match=r"roles.admins.0: must be platform:id"):
        parse_config({"roles": {"admins": ["bob"]}})
    with pytest.raises(ConfigError, match=r'must be an event id or "\*"'):
        parse_config({"roles": {"organisers": {"Bad Id": ["telegram:1"]}}})


# --- roles: known platforms and events; tokens belong in the environment ------------------------


def test_a_role_on_an_unknown_platform_is_reported_with_its_key_path_and_line(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        roles:
          admins:
            - telegram:1
            - telgram:123
          organisers:
            ewrc: [skype:42]
          organiser_chats:
            "*": slak:C0123
        """)
    assert problems(path) == [
        f"{path}:4: roles.admins.1: unknown platform 'telgram' (did you mean 'telegram'?)",
        f"{path}:6: roles.organisers.ewrc.0: unknown platform 'skype' (known: telegram, slack, console)",
        f"{path}:8: roles.organiser_chats.*: unknown platform 'slak' (did you mean 'slack'?)",
    ]


def test_roles_on_every_known_platform_are_fine(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        roles:
          admins: [telegram:1, slack:U0123ABCD, console:local]
        """)
    assert load_config(path).roles.admins == ["telegram:1", "slack:U0123ABCD", "console:local"]


def test_roles_naming_unknown_events_are_reported_with_their_lines(tmp_path):
    from bot.app import build_knowledge
    from bot.config import check_roles

    path = write(tmp_path / "eventbot.yaml", """
        roles:
          organisers:
            "*": [telegram:1]
            ewrc: [telegram:2]
            ewcr: [telegram:3]
          organiser_chats:
            smart-city: telegram:-100123
        """)
    config = load_config(path)
    event_ids = build_knowledge(config).content.events
    assert check_roles(config, event_ids, path) == [
        f"{path}:5: roles.organisers.ewcr: unknown event 'ewcr' (did you mean 'ewrc'?)",
        f"{path}:7: roles.organiser_chats.smart-city: unknown event 'smart-city' (known: japan-journey, ewrc, "
        'smart-city-expo, inno4sports, achterhoek, or "*" for every event)',
    ]


def test_roles_naming_known_events_have_no_problems(tmp_path):
    from bot.config import check_roles

    path = write(tmp_path / "eventbot.yaml", """
        roles:
          organisers: {"*": [telegram:1], ewrc: [slack:U1]}
          organiser_chats: {ewrc: "telegram:-100123"}
        """)
    assert check_roles(load_config(path), ["ewrc", "achterhoek"], path) == []


def test_roles_naming_unknown_events_without_the_file_still_name_the_key():
    from bot.config import check_roles, parse_config

    config = parse_config({"roles": {"organisers": {"ewrx": ["telegram:1"]}}})
    assert check_roles(config, ["ewrc"]) == ["config: roles.organisers.ewrx: unknown event 'ewrx' (did you mean 'ewrc'?)"]


@pytest.mark.parametrize("section, key, variable", [
    ("telegram", "token", "TELEGRAM_BOT_TOKEN"), ("telegram", "webhook_secret", "TELEGRAM_WEBHOOK_SECRET"),
    ("slack", "bot_token", "SLACK_BOT_TOKEN"), ("slack", "app_token", "SLACK_APP_TOKEN"),
    ("slack", "signing_secret", "SLACK_SIGNING_SECRET"), ("slack", "token", "SLACK_BOT_TOKEN"),
])
def test_a_token_in_the_file_is_told_to_come_from_the_environment_without_repeating_it(tmp_path, section, key, variable):
    path = write(tmp_path / "eventbot.yaml", f"""
        {section}:
          mode: {"polling" if section == "telegram" else "socket"}
          {key}: "123456:AAE-secret-value"
        """)
    assert problems(path) == [f"{path}:3: {section}.{key}: tokens come from environment variables ({variable}): "
                              f"set {variable} and remove this key from the file"]


def test_a_token_in_the_file_names_the_variable_the_config_chose(tmp_path):
    path = write(tmp_path / "eventbot.yaml", """
        telegram:
          token_env: EVENTBOT_TG
          token: "123456:AAE-secret-value"
        """)
    [line] = problems(path)
    assert line.endswith("telegram.token: tokens come from environment variables (EVENTBOT_TG): "
                         "set EVENTBOT_TG and remove this key from the file")



def test_question_word_weight_reaches_the_matcher_in_both_modes():
    config = parse_config({"matching": {"question_word_weight": 0.25, "semantic": {"question_word_weight": 0.3}}})
    assert config.matching.settings().question_word_weight == 0.25
    assert config.matching.settings().semantic.question_word_weight == 0.3
    with pytest.raises(ConfigError, match="question_word_weight"):
        parse_config({"matching": {"question_word_weight": 1.5}})
