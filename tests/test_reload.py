"""Changing the FAQ while the bot runs: /reload, SIGHUP and `eventbot reload`."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

from bot.app import build_bot, sample_content_path
from bot.config import Config, ContentConfig, RolesConfig
from bot.messages import Incoming
from bot.runner import run_until_stopped

NEW_ENTRY = """
  - id: ewrc-wifi
    event: ewrc
    en:
      question: "Is there wifi at the venue?"
      answer: "Ask the EWRC organisers."
"""


def content_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(sample_content_path(), folder)
    return folder


def admin_config(tmp_path: Path, folder: Path) -> Config:
    return Config(content=ContentConfig(path=folder), roles=RolesConfig(admins=["console:ada"]))


async def test_admin_reload_reports_changes_and_bad_yaml_keeps_the_old_faq(tmp_path):
    folder = content_copy(tmp_path)
    bot, store = build_bot(admin_config(tmp_path, folder).model_copy(update={"data_dir": tmp_path / "data"}))

    async def say(user: str, text: str) -> str:
        return "\n".join(r.text for r in await bot.handle(Incoming("console", user, user, text=text)))

    try:
        faq = folder / "faq-ewrc.yaml"
        faq.write_text(faq.read_text() + NEW_ENTRY)
        out = await say("ada", "/reload")
        assert "Reloaded. What changed:" in out and "FAQ entries added (1): ewrc-wifi" in out
        assert "Ask the EWRC organisers." in await say("bob", "Is there wifi at the venue of EWRC?")

        faq.write_text(faq.read_text().replace("Ask the EWRC organisers.", "Yes, free wifi.")
                       + "\n  - id: broken\n    en: [unclosed\n")
        out = await say("ada", "/reload")
        assert "The files have errors, so I kept the current content." in out
        assert f"{faq}:" in out  # file:line, as faq check prints it
        assert "Ask the EWRC organisers." in await say("bob", "Is there wifi at the venue of EWRC?")

        faq.write_text(faq.read_text().replace("\n  - id: broken\n    en: [unclosed\n", ""))
        out = await say("ada", "/reload")
        assert "FAQ entries changed (1): ewrc-wifi" in out
        assert "Yes, free wifi." in await say("bob", "Is there wifi at the venue of EWRC?")
    finally:
        store.close()


async def test_the_old_faq_keeps_answering_after_a_refused_reload(tmp_path):
    folder = content_copy(tmp_path)
    bot, store = build_bot(admin_config(tmp_path, folder).model_copy(update={"data_dir": tmp_path / "data"}))
    try:
        (folder / "faq-ewrc.yaml").write_text("faq:\n  - id: [\n")
        replies = await bot.handle(Incoming("console", "ada", "ada", text="/reload"))
        assert "kept the current content" in replies[0].text
        replies = await bot.handle(Incoming("console", "bob", "bob", text="how many people attend EWRC"))
        assert "6,000" in replies[0].text or "6000" in replies[0].text
    finally:
        store.close()


async def test_reload_is_for_admins_only(conversation, tmp_path):
    folder = content_copy(tmp_path)
    out = await conversation(user="bob", config=admin_config(tmp_path, folder)).say("/reload")
    assert "Sorry, I can't help with that." in out


async def test_sighup_reloads_the_running_bot(tmp_path):
    folder = content_copy(tmp_path)
    config = admin_config(tmp_path, folder).model_copy(update={"data_dir": tmp_path / "data"})
    bot, store = build_bot(config)
    stop = asyncio.Event()
    pid_file = tmp_path / "data" / "eventbot.pid"
    runner = asyncio.create_task(run_until_stopped(bot, [], stop, pid_file=pid_file))
    try:
        for _ in range(100):
            if pid_file.exists():
                break
            await asyncio.sleep(0.02)
        assert int(pid_file.read_text()) == os.getpid()
        faq = folder / "faq-ewrc.yaml"
        faq.write_text(faq.read_text() + NEW_ENTRY)
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(250):
            if "ewrc-wifi" in bot.knowledge.content.entries:
                break
            await asyncio.sleep(0.02)
        assert "ewrc-wifi" in bot.knowledge.content.entries
    finally:
        stop.set()
        await runner
        store.close()
    assert not pid_file.exists()


def test_eventbot_reload_checks_first_and_needs_a_running_bot(tmp_path, capsys):
    from bot.cli import main

    folder = content_copy(tmp_path)
    cfg = tmp_path / "eventbot.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\ncontent:\n  path: {folder}\n")
    assert main(["--config", str(cfg), "reload"]) == 2
    assert "no running bot found" in capsys.readouterr().err
    (folder / "faq-ewrc.yaml").write_text("faq:\n  - id: [\n")
    assert main(["--config", str(cfg), "reload"]) == 1
    assert "keeps the old content" in capsys.readouterr().err
