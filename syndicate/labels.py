"""The books' own words, per language: labels, dates and writing direction, with no locale installed.

An EPUB shows a few words that are not the story's: "By" before the by-line,
"Published" before a date, "Contents", "Cover", the edition's "More news"
section. A book in Arabic or Chinese with those words in English reads as
broken, so each comes from :func:`labels_for` in the story's (or the
edition's) language.

Thirteen languages have their words here (en, de, fr, es, it, pt, nl, ar,
he, zh, ja, ru, uk; Chinese in simplified and traditional script). Any other
language gets :data:`NEUTRAL`: no words at all, only names, symbols and ISO
dates, so no English is mixed into, say, a Polish book. Dates are written
from a small table of month names rather than with the C library's locales
(which a server rarely has installed, and which would make the bytes depend on
the machine) or Babel (a 30 MB dependency for twenty month names a language).

Writing direction follows the language tag: a right-to-left script subtag
(``az-Arab``) or a right-to-left primary language (``ar``, ``he``, ``fa``…)
gives ``rtl``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["Labels", "NEUTRAL", "labels_for", "direction", "primary_subtag", "utc_offset", "accessibility_summary"]

#: Primary language subtags whose default script is written right to left.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "ku", "lrc", "mzn", "nqo", "ps",
                           "sd", "syr", "ug", "ur", "yi"})
#: ISO 15924 script subtags written right to left (``az-Arab``, ``pa-Arab``, ``ku-Arab``…).
RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa", "yezi"})
#: Region or script subtags that mean traditional Chinese characters.
_TRADITIONAL_CHINESE = frozenset({"hant", "tw", "hk", "mo"})


@dataclass(frozen=True)
class Labels:
    """The words of a book in one language, and how it writes a date.

    Templates use ``str.format`` fields: ``{names}`` (the joined by-line),
    ``{date}``, ``{title}``, ``{name}`` and ``{role}``; date patterns use
    ``{day}``, ``{month}`` (the name), ``{m}`` (the number) and ``{year}``.
    """

    language: str  #: the language tag these words are in ("" for the neutral layout)
    by: str  #: the by-line of one author: "By {names}"
    by_many: str  #: the by-line of several
    separator: str  #: between names of a by-line (all but the last two)
    last_separator: str  #: between the last two names
    role: str  #: a name with its role or organisation
    published: str
    updated: str
    contents: str  #: the contents page's heading (may hold ``{title}``, the book's title)
    cover: str  #: the cover page's title (may hold ``{title}``)
    cover_alt: str  #: the cover picture's text alternative
    more_news: str  #: an edition's section of stories without a subject
    start: str  #: the landmark to the first story
    landmarks: str  #: the hidden heading of the landmarks
    source: str  #: before the story's source: "Source: {name}"
    related: str  #: the heading of the related links
    edition: str  #: an edition's title when the config gives none: "Edition of {date}"
    months: tuple[str, ...]  #: month names as they stand in a date ("December", "декабря"); empty: numbers only
    day_pattern: str
    time_pattern: str  #: a date with its time: "{date}, {time} {zone}"
    first_day: str = "1"  #: how the first of the month is written ("1er" in French)

    def names(self, names: list[str]) -> str:
        """Names joined as a by-line lists them: "A, B and C"."""
        if len(names) <= 1:
            return "".join(names)
        return self.separator.join(names[:-1]) + self.last_separator + names[-1]

    def byline(self, names: list[str]) -> str:
        """The whole by-line ("By A and B"), or "" without names."""
        if not names:
            return ""
        return (self.by if len(names) == 1 else self.by_many).format(names=self.names(names))

    def day(self, value: datetime) -> str:
        """The date alone, in the value's own offset: "16 December 2016"."""
        day = self.first_day if value.day == 1 else str(value.day)
        month = self.months[value.month - 1] if self.months else ""
        return self.day_pattern.format(day=day, d2=f"{value.day:02d}", month=month, m=value.month,
                                       m2=f"{value.month:02d}", year=value.year)

    def moment(self, value: datetime, *, date_only: bool = False) -> str:
        """The date and its time with the offset ("16 December 2016, 14:00 UTC+01:00"); only the date when
        the time is not known (``date_only``)."""
        if date_only:
            return self.day(value)
        return self.time_pattern.format(date=self.day(value), time=f"{value:%H:%M}", zone=utc_offset(value))


def utc_offset(value: datetime) -> str:
    """The value's offset as ``UTC``, ``UTC+01:00`` or ``UTC-05:30`` (the same in every language)."""
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    return f"UTC{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def primary_subtag(language: str) -> str:
    """The BCP 47 primary language subtag, lower-case: ``pt-BR`` -> ``pt``."""
    return language.replace("_", "-").split("-", 1)[0].strip().lower()


def direction(language: str) -> Literal["ltr", "rtl"]:
    """``rtl`` for a language written right to left (by its script subtag when it has one), else ``ltr``."""
    subtags = language.replace("_", "-").lower().split("-")
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():  # a script subtag decides: "ku-Latn" is ltr, "ku-Arab" rtl
            return "rtl" if subtag in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0] in RTL_LANGUAGES else "ltr"


def labels_for(language: str | None) -> Labels:
    """The labels of a language tag (by its primary subtag; Chinese by script too); :data:`NEUTRAL` for
    a language without its own."""
    if not language:
        return NEUTRAL
    primary = primary_subtag(language)
    if primary == "zh" and _TRADITIONAL_CHINESE & set(language.replace("_", "-").lower().split("-")[1:]):
        return _TABLE["zh-Hant"]
    return _TABLE.get(primary, NEUTRAL)


_ISO_DAY = "{year}-{m2}-{d2}"
_SPACE_TIME = "{date} {time} {zone}"
_COMMA_TIME = "{date}, {time} {zone}"

#: Any language without words of its own: names, symbols and ISO 8601 dates only.
NEUTRAL = Labels(
    language="", by="{names}", by_many="{names}", separator=", ", last_separator=", ", role="{name}, {role}",
    published="{date}", updated="↻ {date}", contents="{title}", cover="{title}", cover_alt="{title}", more_news="…",
    start="▶", landmarks="☰", source="{name}", related="→", edition="{date}", months=(),
    day_pattern=_ISO_DAY, time_pattern=_SPACE_TIME,
)

#: Each language's labels, keyed by their own ``language`` (the first field).
_TABLE: dict[str, Labels] = {labels.language: labels for labels in (
    Labels(
        "en", "By {names}", "By {names}", ", ", " and ", "{name}, {role}", "Published {date}", "Updated {date}",
        "Contents", "Cover", "Cover: {title}", "More news", "Start of content", "Landmarks", "Source: {name}",
        "Also see", "Edition of {date}",
        ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"),
        "{day} {month} {year}", _COMMA_TIME),
    Labels(
        "de", "Von {names}", "Von {names}", ", ", " und ", "{name}, {role}", "Veröffentlicht am {date}",
        "Aktualisiert am {date}", "Inhalt", "Titelbild", "Titelbild: {title}", "Weitere Nachrichten",
        "Beginn des Inhalts", "Orientierungspunkte", "Quelle: {name}", "Siehe auch", "Ausgabe vom {date}",
        ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
         "November", "Dezember"),
        "{day}. {month} {year}", "{date}, {time} Uhr {zone}"),
    Labels(
        "fr", "Par {names}", "Par {names}", ", ", " et ", "{name}, {role}", "Publié le {date}",
        "Mis à jour le {date}", "Sommaire", "Couverture", "Couverture : {title}", "Autres actualités",
        "Début du contenu", "Repères", "Source : {name}", "Voir aussi", "Édition du {date}",
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
         "novembre", "décembre"),
        "{day} {month} {year}", "{date} à {time} {zone}", first_day="1er"),
    Labels(
        "es", "Por {names}", "Por {names}", ", ", " y ", "{name}, {role}", "Publicado el {date}",
        "Actualizado el {date}", "Índice", "Portada", "Portada: {title}", "Más noticias", "Inicio del contenido",
        "Puntos de referencia", "Fuente: {name}", "Véase también", "Edición del {date}",
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
         "noviembre", "diciembre"),
        "{day} de {month} de {year}", _COMMA_TIME),
    Labels(
        "it", "Di {names}", "Di {names}", ", ", " e ", "{name}, {role}", "Pubblicato il {date}",
        "Aggiornato il {date}", "Indice", "Copertina", "Copertina: {title}", "Altre notizie",
        "Inizio del contenuto", "Punti di riferimento", "Fonte: {name}", "Vedi anche", "Edizione del {date}",
        ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
         "novembre", "dicembre"),
        "{day} {month} {year}", "{date}, ore {time} {zone}", first_day="1º"),
    Labels(
        "pt", "Por {names}", "Por {names}", ", ", " e ", "{name}, {role}", "Publicado em {date}",
        "Atualizado em {date}", "Sumário", "Capa", "Capa: {title}", "Mais notícias", "Início do conteúdo",
        "Pontos de referência", "Fonte: {name}", "Veja também", "Edição de {date}",
        ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
         "novembro", "dezembro"),
        "{day} de {month} de {year}", "{date}, às {time} {zone}", first_day="1º"),
    Labels(
        "nl", "Door {names}", "Door {names}", ", ", " en ", "{name}, {role}", "Gepubliceerd op {date}",
        "Bijgewerkt op {date}", "Inhoud", "Omslag", "Omslag: {title}", "Meer nieuws", "Begin van de inhoud",
        "Oriëntatiepunten", "Bron: {name}", "Zie ook", "Editie van {date}",
        ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
         "november", "december"),
        "{day} {month} {year}", "{date}, {time} uur {zone}"),
    # Arabic: the conjunction و is written joined to the next name; Western digits, as most Arab news sites.
    Labels(
        "ar", "بقلم {names}", "بقلم {names}", "، ", " و", "{name}، {role}", "نُشر في {date}", "حُدّث في {date}",
        "المحتويات", "الغلاف", "الغلاف: {title}", "أخبار أخرى", "بداية المحتوى", "معالم الكتاب",
        "المصدر: {name}", "اقرأ أيضاً", "عدد {date}",
        ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
         "ديسمبر"),
        "{day} {month} {year}", "{date}، الساعة {time} {zone}"),
    # Hebrew: ו joined to the next name; months with the prefix ב ("16 בדצמבר 2016").
    Labels(
        "he", "מאת {names}", "מאת {names}", ", ", " ו", "{name}, {role}", "פורסם: {date}", "עודכן: {date}",
        "תוכן העניינים", "כריכה", "כריכה: {title}", "חדשות נוספות", "תחילת התוכן", "ציוני דרך", "מקור: {name}",
        "ראו גם", "מהדורת {date}",
        ("בינואר", "בפברואר", "במרץ", "באפריל", "במאי", "ביוני", "ביולי", "באוגוסט", "בספטמבר", "באוקטובר",
         "בנובמבר", "בדצמבר"),
        "{day} {month} {year}", _COMMA_TIME),
    Labels(
        "zh", "作者：{names}", "作者：{names}", "、", "、", "{name}（{role}）", "发布于 {date}", "更新于 {date}",
        "目录", "封面", "封面：{title}", "更多新闻", "正文开始", "导航标志", "来源：{name}", "相关阅读",
        "{date}版", (), "{year}年{m}月{day}日", _SPACE_TIME),
    Labels(
        "zh-Hant", "作者：{names}", "作者：{names}", "、", "、", "{name}（{role}）", "發布於 {date}", "更新於 {date}",
        "目錄", "封面", "封面：{title}", "更多新聞", "正文開始", "導覽標誌", "來源：{name}", "相關閱讀",
        "{date}版", (), "{year}年{m}月{day}日", _SPACE_TIME),
    Labels(
        "ja", "執筆：{names}", "執筆：{names}", "、", "、", "{name}（{role}）", "公開：{date}", "更新：{date}",
        "目次", "表紙", "表紙：{title}", "その他のニュース", "本文の始まり", "ランドマーク", "出典：{name}", "関連記事",
        "{date}版", (), "{year}年{m}月{day}日", _SPACE_TIME),
    Labels(
        "ru", "Автор: {names}", "Авторы: {names}", ", ", " и ", "{name}, {role}", "Опубликовано {date}",
        "Обновлено {date}", "Содержание", "Обложка", "Обложка: {title}", "Другие новости", "Начало текста",
        "Ориентиры", "Источник: {name}", "См. также", "Выпуск от {date}",
        ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
         "ноября", "декабря"),
        "{day} {month} {year} г.", _COMMA_TIME),
    Labels(
        "uk", "Автор: {names}", "Автори: {names}", ", ", " і ", "{name}, {role}", "Опубліковано {date}",
        "Оновлено {date}", "Зміст", "Обкладинка", "Обкладинка: {title}", "Інші новини", "Початок тексту",
        "Орієнтири", "Джерело: {name}", "Див. також", "Випуск від {date}",
        ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
         "листопада", "грудня"),
        "{day} {month} {year} р.", _COMMA_TIME),
)}


#: The accessibility summary (EPUB Accessibility 1.1, for catalogues and reading systems), per language:
#: (what the book offers, "every photo has a text alternative", "some photos have one", "moving pictures").
_ACCESSIBILITY: dict[str, tuple[str, str, str, str]] = {
    "en": ("News with headings for navigation, a table of contents and a logical reading order; captions and "
           "credits are given as text.", "Every photo has a text alternative.",
           "Photos have text alternatives where the source gave a description or caption.",
           "It holds moving pictures that may flash."),
    "de": ("Nachrichten mit Überschriften zur Navigation, Inhaltsverzeichnis und logischer Lesereihenfolge; "
           "Bildunterschriften und Bildnachweise stehen als Text.", "Jedes Foto hat eine Textalternative.",
           "Fotos haben Textalternativen, wo die Quelle eine Beschreibung oder Bildunterschrift lieferte.",
           "Das Buch enthält bewegte Bilder, die flackern können."),
    "fr": ("Actualités avec des titres pour la navigation, une table des matières et un ordre de lecture logique ; "
           "légendes et crédits sont donnés sous forme de texte.", "Chaque photo a une alternative textuelle.",
           "Les photos ont une alternative textuelle lorsque la source fournissait une description ou une légende.",
           "Le livre contient des images animées qui peuvent clignoter."),
    "es": ("Noticias con encabezados para la navegación, un índice y un orden de lectura lógico; los pies de foto "
           "y los créditos se dan como texto.", "Cada foto tiene un texto alternativo.",
           "Las fotos tienen texto alternativo cuando la fuente dio una descripción o un pie de foto.",
           "Contiene imágenes animadas que pueden parpadear."),
    "it": ("Notizie con titoli per la navigazione, un indice e un ordine di lettura logico; didascalie e crediti "
           "sono forniti come testo.", "Ogni foto ha un testo alternativo.",
           "Le foto hanno un testo alternativo quando la fonte ha fornito una descrizione o una didascalia.",
           "Contiene immagini animate che possono lampeggiare."),
    "pt": ("Notícias com títulos para navegação, sumário e ordem de leitura lógica; legendas e créditos são "
           "apresentados como texto.", "Todas as fotos têm texto alternativo.",
           "As fotos têm texto alternativo quando a fonte forneceu uma descrição ou legenda.",
           "Contém imagens animadas que podem piscar."),
    "nl": ("Nieuws met koppen voor navigatie, een inhoudsopgave en een logische leesvolgorde; bijschriften en "
           "fotocredits staan als tekst.", "Elke foto heeft een tekstalternatief.",
           "Foto's hebben een tekstalternatief waar de bron een beschrijving of bijschrift gaf.",
           "Bevat bewegende beelden die kunnen flitsen."),
    "ar": ("أخبار بعناوين للتنقل وفهرس للمحتويات وترتيب قراءة منطقي، مع تعليقات الصور ونسبتها نصاً.",
           "لكل صورة نص بديل.", "للصور نص بديل حيث قدّم المصدر وصفاً أو تعليقاً.", "يحتوي على صور متحركة قد تومض."),
    "he": ("חדשות עם כותרות לניווט, תוכן עניינים וסדר קריאה הגיוני; כיתובי התמונות והקרדיטים מופיעים כטקסט.",
           "לכל תמונה יש חלופה טקסטואלית.", "לתמונות יש חלופה טקסטואלית היכן שהמקור סיפק תיאור או כיתוב.",
           "מכיל תמונות נעות שעלולות להבהב."),
    "zh": ("新闻，含用于导航的标题、目录和合理的阅读顺序；图片说明和署名以文字呈现。", "每张照片都有替代文字。",
           "来源提供了描述或说明的照片有替代文字。", "含有可能闪烁的动态图片。"),
    "zh-Hant": ("新聞，含用於導覽的標題、目錄和合理的閱讀順序；圖片說明和署名以文字呈現。", "每張照片都有替代文字。",
                "來源提供了描述或說明的照片有替代文字。", "含有可能閃爍的動態圖片。"),
    "ja": ("ナビゲーション用の見出し、目次、論理的な読み順を備えたニュース。写真の説明とクレジットはテキストで提供。",
           "すべての写真に代替テキストがあります。", "配信元が説明やキャプションを付けた写真には代替テキストがあります。",
           "点滅する可能性のある動画像を含みます。"),
    "ru": ("Новости с заголовками для навигации, оглавлением и логичным порядком чтения; подписи к фото и "
           "авторство даны текстом.", "У каждой фотографии есть текстовая альтернатива.",
           "У фотографий есть текстовая альтернатива там, где источник дал описание или подпись.",
           "Содержит анимированные изображения, которые могут мигать."),
    "uk": ("Новини із заголовками для навігації, змістом і логічним порядком читання; підписи до фото та "
           "авторство подано текстом.", "Кожне фото має текстову альтернативу.",
           "Фото мають текстову альтернативу там, де джерело надало опис або підпис.",
           "Містить анімовані зображення, які можуть блимати."),
}


def accessibility_summary(labels: Labels, *, all_alt: bool, moving: bool) -> tuple[str, str]:
    """The book's accessibility summary and the language it is in: the labels' own, or English for the
    neutral layout (a summary has to be words; it is metadata for catalogues, marked with its language)."""
    language = labels.language if labels.language in _ACCESSIBILITY else "en"
    offers, every_photo, some_photos, moving_pictures = _ACCESSIBILITY[language]
    parts = [offers, every_photo if all_alt else some_photos, *([moving_pictures] if moving else [])]
    return " ".join(parts), language
