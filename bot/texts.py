"""Every text the bot shows people, in English, Dutch, Norwegian and Japanese.

`t(key, lang, **values)` picks the text in `lang` (English when a text is missing)
and fills in the values. Keep all four languages for every key: a test checks it.
"""

from __future__ import annotations

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "no": "Norsk", "ja": "日本語"}

TEXTS: dict[str, dict[str, str]] = {
    "welcome": {
        "en": "Hello! I answer questions about these events. Ask me anything in your own words, or pick an event.",
        "nl": "Hallo! Ik beantwoord vragen over deze evenementen. Stel je vraag in je eigen woorden, of kies een evenement.",
        "no": "Hei! Jeg svarer på spørsmål om disse arrangementene. Spør med dine egne ord, eller velg et arrangement.",
        "ja": "こんにちは！これらのイベントについての質問にお答えします。自由に質問するか、イベントを選んでください。",
    },
    "no_events": {
        "en": "There are no events yet.",
        "nl": "Er zijn nog geen evenementen.",
        "no": "Det er ingen arrangementer ennå.",
        "ja": "まだイベントはありません。",
    },
    "events_header": {
        "en": "**Events**",
        "nl": "**Evenementen**",
        "no": "**Arrangementer**",
        "ja": "**イベント**",
    },
    "help_header": {
        "en": "**What I can do**\nAsk a question in your own words, or use a command:",
        "nl": "**Wat ik kan**\nStel een vraag in je eigen woorden, of gebruik een opdracht:",
        "no": "**Hva jeg kan**\nStill et spørsmål med dine egne ord, eller bruk en kommando:",
        "ja": "**できること**\n自由に質問するか、次のコマンドを使ってください：",
    },
    "unknown_event": {
        "en": "I don't know the event \"{name}\". These are the events I know:",
        "nl": "Het evenement \"{name}\" ken ik niet. Deze evenementen ken ik wel:",
        "no": "Jeg kjenner ikke arrangementet «{name}». Dette er arrangementene jeg kjenner:",
        "ja": "「{name}」というイベントは見つかりません。次のイベントがあります：",
    },
    "choose_event": {
        "en": "Which event?",
        "nl": "Welk evenement?",
        "no": "Hvilket arrangement?",
        "ja": "どのイベントですか？",
    },
    "label_when": {"en": "When", "nl": "Wanneer", "no": "Når", "ja": "日時"},
    "label_where": {"en": "Where", "nl": "Waar", "no": "Hvor", "ja": "場所"},
    "label_contact": {"en": "Contact", "nl": "Contact", "no": "Kontakt", "ja": "連絡先"},
    "label_links": {"en": "Links", "nl": "Links", "no": "Lenker", "ja": "リンク"},
    "label_timezone": {"en": "time zone", "nl": "tijdzone", "no": "tidssone", "ja": "タイムゾーン"},
    "not_announced": {
        "en": "not announced yet",
        "nl": "nog niet bekendgemaakt",
        "no": "ikke kunngjort ennå",
        "ja": "未発表",
    },
    "ask_about_event": {
        "en": "Ask me anything about this event, or see its topics.",
        "nl": "Vraag me alles over dit evenement, of bekijk de onderwerpen.",
        "no": "Spør meg om hva som helst om dette arrangementet, eller se temaene.",
        "ja": "このイベントについて何でも質問するか、トピックを見てください。",
    },
    "button_topics": {"en": "Topics", "nl": "Onderwerpen", "no": "Temaer", "ja": "トピック"},
    "button_events": {"en": "All events", "nl": "Alle evenementen", "no": "Alle arrangementer", "ja": "すべてのイベント"},
    "topics_header": {
        "en": "**Questions about {event}**",
        "nl": "**Vragen over {event}**",
        "no": "**Spørsmål om {event}**",
        "ja": "**{event} についての質問**",
    },
    "general_topics": {
        "en": "general questions",
        "nl": "algemene vragen",
        "no": "generelle spørsmål",
        "ja": "一般的な質問",
    },
    "no_topics": {
        "en": "There are no questions for this event yet.",
        "nl": "Er zijn nog geen vragen voor dit evenement.",
        "no": "Det er ingen spørsmål for dette arrangementet ennå.",
        "ja": "このイベントにはまだ質問がありません。",
    },
    "language_set": {
        "en": "From now on I will answer in English.",
        "nl": "Vanaf nu antwoord ik in het Nederlands.",
        "no": "Fra nå av svarer jeg på norsk.",
        "ja": "これからは日本語でお答えします。",
    },
    "language_choose": {
        "en": "Which language would you like? I speak: {languages}.",
        "nl": "Welke taal wil je? Ik spreek: {languages}.",
        "no": "Hvilket språk vil du ha? Jeg snakker: {languages}.",
        "ja": "どの言語にしますか？対応言語：{languages}。",
    },
    "did_you_mean": {
        "en": "I'm not sure I understood. Did you mean one of these?",
        "nl": "Ik weet niet zeker of ik je begrijp. Bedoelde je een van deze?",
        "no": "Jeg er ikke sikker på at jeg forsto. Mente du en av disse?",
        "ja": "よく分かりませんでした。次のどれかですか？",
    },
    "fallback": {
        "en": "Sorry, I don't have an answer to that. Try other words, or browse the topics.",
        "nl": "Sorry, daar heb ik geen antwoord op. Probeer het met andere woorden, of bekijk de onderwerpen.",
        "no": "Beklager, det har jeg ikke noe svar på. Prøv andre ord, eller se gjennom temaene.",
        "ja": "申し訳ありませんが、その質問への答えはありません。別の言葉で聞くか、トピックをご覧ください。",
    },
    "answer_in_other_language": {
        "en": "(This answer is only available in {language}.)",
        "nl": "(Dit antwoord is alleen beschikbaar in het {language}.)",
        "no": "(Dette svaret finnes bare på {language}.)",
        "ja": "（この回答は{language}のみです。）",
    },
    "unknown_command": {
        "en": "I don't know the command /{command}. Type /help to see what I can do.",
        "nl": "De opdracht /{command} ken ik niet. Typ /help om te zien wat ik kan.",
        "no": "Jeg kjenner ikke kommandoen /{command}. Skriv /help for å se hva jeg kan.",
        "ja": "/{command} というコマンドはありません。/help でできることを確認してください。",
    },
    "stale_choice": {
        "en": "That button is no longer valid. Here is where we are now.",
        "nl": "Die knop is niet meer geldig. Hier is waar we nu zijn.",
        "no": "Den knappen gjelder ikke lenger. Her er hvor vi er nå.",
        "ja": "このボタンは無効になりました。現在の状態はこちらです。",
    },
    "error": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "nl": "Sorry, er ging bij mij iets mis. Probeer het zo nog eens.",
        "no": "Beklager, noe gikk galt hos meg. Prøv igjen om litt.",
        "ja": "申し訳ありません、問題が発生しました。しばらくしてからもう一度お試しください。",
    },
    # command help texts
    "help_start": {
        "en": "welcome and upcoming events", "nl": "welkom en komende evenementen",
        "no": "velkommen og kommende arrangementer", "ja": "ようこそと今後のイベント",
    },
    "help_help": {"en": "what I can do", "nl": "wat ik kan", "no": "hva jeg kan", "ja": "できること"},
    "help_events": {"en": "all events", "nl": "alle evenementen", "no": "alle arrangementer", "ja": "すべてのイベント"},
    "help_event": {
        "en": "details of one event: dates, place, contact, links",
        "nl": "details van één evenement: data, plaats, contact, links",
        "no": "detaljer om ett arrangement: datoer, sted, kontakt, lenker",
        "ja": "イベントの詳細：日時、場所、連絡先、リンク",
    },
    "help_language": {
        "en": "choose the language I answer in (en, nl, no, ja)",
        "nl": "kies de taal waarin ik antwoord (en, nl, no, ja)",
        "no": "velg språket jeg svarer på (en, nl, no, ja)",
        "ja": "回答する言語を選ぶ（en, nl, no, ja）",
    },
    "help_topics": {
        "en": "the questions I can answer about an event",
        "nl": "de vragen die ik over een evenement kan beantwoorden",
        "no": "spørsmålene jeg kan svare på om et arrangement",
        "ja": "イベントについて答えられる質問",
    },
}


def t(key: str, lang: str | None, **values: object) -> str:
    """The text for key in lang (English if missing), with values filled in."""
    texts = TEXTS[key]
    text = texts.get(lang or "en") or texts["en"]
    return text.format(**values) if values else text
