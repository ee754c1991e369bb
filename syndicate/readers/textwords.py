"""The words a web page's furniture is made of, in the languages the text reader knows, as patterns.

Kept apart from the reader's logic so that a language is added by adding
words here, never by a new rule. Each pattern matches a whole line (case
folded), so a sentence that merely contains one of the words is not matched.
English, German, Spanish, French, Portuguese, Italian, Russian, Arabic,
Chinese and Japanese are covered; any other language still has the reader's
script-neutral features (length, shape, position, repetition).
"""

from __future__ import annotations

from re import IGNORECASE

from ..patterns import LazyPattern, WholeLineTable

__all__ = ["FURNITURE", "BREADCRUMB", "BREADCRUMB_MARKS", "PROMPT", "RELATED_HEADER", "POPULAR_HEADER", "COPYRIGHT",
           "COPYRIGHT_START", "RIGHTS_RESERVED", "BYLINE_WORD", "CAPTION_LABEL", "PHOTO_WORD", "ROLE_WORD", "SURVEY",
           "COMMENTS_HEADER"]


def _whole_line(*alternatives: str) -> WholeLineTable:
    """Case-insensitive: a line that is one of ``alternatives``, give or take end punctuation (compiled a few
    phrases at a time, as lines need them: see :class:`~syndicate.patterns.WholeLineTable`)."""
    return WholeLineTable(list(alternatives), r"[\s\W]{0,4}", IGNORECASE)


#: Page furniture anywhere: share and print buttons, comments, ads, galleries, navigation, section labels.
FURNITURE = _whole_line(
    # English
    r"view (?:the )?(?:full |photo |more )*(?:gallery|photos?|slideshow)",
    r"(?:see|view) (?:all|more) (?:photos|pictures|images)",
    r"photo gallery|more coverage|special projects?|advertisement|advertising|sponsored(?: content| links?)?",
    r"share(?: this)?(?: story| article| page| post| entry)?(?: (?:on|to|via) \w+\+?)?|share via \w+",
    r"facebook|twitter|whatsapp|linkedin|reddit|pinterest|flipboard|tumblr|telegram|instagram|youtube|pocket|mix"
    r"|messenger|weibo|wechat|vk|email|e-mail|print(?: article)?|tweet|pin|google\+|copy link\b.{0,20}"
    r"|sharing is caring|share (?:this|the) (?:story|article)\b.{0,40}",
    r"(?:facebook|twitter|google\+|whatsapp|linkedin|pinterest|email)(?: (?:facebook|twitter|google\+|whatsapp|"
    r"linkedin|pinterest|email))+",
    r"comments?|\d+ comments?|(?:leave|post|add|show|view|see) (?:a |all |the )?comments?|comments? \(\d+\)",
    r"comments are (?:closed|subject to .{0,80})",
    r"click here\b.{0,60}|skip to (?:main )?content|back to top|skip (?:ad|advertisement)",
    r"(?:print|email|e-mail|share) this(?: story| article| page)?",
    r"continue reading|listen to (?:this )?(?:story|article)|(?:post|article) navigation",
    r"(?:previous|next) (?:post|article|story)\b.{0,100}",
    r"caption|image caption|hide caption|toggle caption|enlarge this image|video|watch|photos?|search|menu|home",
    r"tags?(?:\s*:.{0,120})?|topics?(?:\s*:.{0,120})?|filed under\b.{0,120}|categor(?:y|ies)(?:\s*:.{0,80})?",
    r"about this article|cite this article|report an error|corrections? policy|editorial standards",
    r"(?:story )?continues? (?:below|after (?:the )?(?:ad|advertisement))",
    # German
    r"teilen|(?:diesen )?artikel teilen|(?:auf|bei|per) [\w-]+ teilen|drucken|kommentare?|anzeige|werbung|zurück"
    r"|schlagwörter|themen|bildergalerie",
    # Spanish, Portuguese, Italian
    r"compartir(?: en [\w-]+| esta noticia| este artículo)?|compartilhar(?: no [\w-]+)?|condividi(?: su [\w-]+)?"
    r"|imprimir|stampa|comentarios|comentários|commenti|publicidad|publicidade",
    r"pubblicità|volver|voltar|etiquetas|tags|torna su",
    # French
    r"partager(?: sur [\w-]+| cet article)?|imprimer|commentaires?|publicité|retour|mots-clés|mots clés",
    # Russian
    r"поделиться(?: в [\w-]+)?|печать|комментарии|реклама|теги|метки|назад",
    # Arabic
    r"شارك(?: هذا)?(?: المقال| الخبر| الموضوع)?|شارك على .{1,20}|مشاركة(?: المقال| الخبر)?|طباعة|تعليقات|إعلان|اعلان"
    r"|الوسوم|وسوم|عودة",
    # Chinese, Japanese
    r"分享|分享(?:到|至).{1,10}|打印|评论|广告|标签|返回|责任编辑.{0,20}|编辑[：:].{0,20}",
    r"検索|シェア|ツイート|広告|スポンサードリンク|タグ[：:].{0,60}|カテゴリー?",
)

#: A breadcrumb step ("Home ›", "ブログ >"), not "<<< NEWS >>>": furniture too, but apart from :data:`FURNITURE`, as
#: no word starts it: only a line holding a ``›`` or ``>`` is given to it (:data:`BREADCRUMB_MARKS`), so a story
#: without one never compiles it, nor tries every split of a line's first 81 characters.
BREADCRUMB = LazyPattern(r"^(?:[^.!?。<>›]{0,40}\w[^.!?。<>›]{0,40} ?[›>])[\s\W]{0,4}$", IGNORECASE)
BREADCRUMB_MARKS = ("›", ">")

#: Prompts to the reader (subscribe, follow us): furniture around the story, but kept inside it when in doubt.
PROMPT = _whole_line(
    r"(?:subscribe|sign up|register|log ?in|join)\b.{0,80}|(?:get|receive) (?:our|the) .{0,40}newsletter.{0,60}",
    r"follow (?:us|me)\b.{0,60}|follow [\w .]{1,40} on (?:twitter|facebook|instagram)|read more|read next",
    r"(?:like|support) us\b.{0,60}|support [\w .]{1,30} and .{0,60}|do you rely on .{0,80}",
    r"newsletter abonnieren|jetzt abonnieren|folgen sie uns\b.{0,40}|weiterlesen|mehr lesen",
    r"suscr[ií]bete\b.{0,60}|(?:si|sí)guenos\b.{0,40}|leer m[aá]s|leia mais|assine\b.{0,60}",
    r"abonnez-vous\b.{0,60}|suivez-nous\b.{0,40}|lire la suite|inscrivez-vous\b.{0,60}",
    r"подпишитесь\b.{0,60}|подписаться\b.{0,60}|читать далее|следите за .{0,40}",
    r"اشترك\b.{0,60}|تابعونا\b.{0,40}|تابعنا\b.{0,40}|اقرأ المزيد",
    r"订阅.{0,30}|关注我们.{0,30}|阅读全文|查看更多",
)

#: Survey and feedback prompts about the page, in any of the languages.
SURVEY = _whole_line(
    r"(?:was|is) this (?:article|story|page|information) (?:helpful|useful)\b.{0,40}",
    r"(?:how|what) (?:would you rate|did you think of|do you think of) this .{0,60}",
    r"(?:take|answer) our (?:short |quick )?survey.{0,80}|tell us what you think.{0,40}|give (?:us )?feedback.{0,40}",
    r"rate this (?:article|story)|did you find this (?:article |story )?(?:helpful|useful).{0,20}",
    r"war dieser artikel hilfreich.{0,20}|¿te ha resultado útil.{0,20}|cet article vous a-t-il été utile.{0,20}",
    r"была ли эта статья полезной.{0,20}|هل كان هذا المقال مفيدا.{0,20}|这篇文章对您有帮助吗.{0,10}",
)

#: The header of the readers' comments under a story: what follows is theirs, not the story's. (A count such as
#: "12 Comments" is not one: it is a button, found above stories as well as under them.)
COMMENTS_HEADER = _whole_line(
    r"(?:leave|post|add|write) a (?:comment|reply)\b.{0,40}|top rated comments|loading comments|comments are closed"
    r"|join the (?:conversation|discussion)|reader comments|schreiben sie einen kommentar|lascia un commento\b.{0,40}"
    r"|deja (?:un|tu) comentario|deixe (?:um|seu) comentário|laisser un commentaire|оставить комментарий"
    r"|أضف تعليقا|اترك تعليقا|发表评论|网友评论|コメントを書く",
)

#: Headers of a list of links to related stories (the titles under them become ``related``).
RELATED_HEADER = _whole_line(
    r"related(?: stories| articles| coverage| content| links| news| posts| reading)?|see also|also see|read also",
    r"more on (?:this(?: story| topic)?|[\w .'’-]{1,40})|more about [\w .'’-]{1,40}|more from [\w .'’-]{1,40}",
    r"you (?:may|might) also (?:like|enjoy|be interested in)|recommended(?: for you| stories| reading)?",
    r"mehr zum thema|das könnte sie auch interessieren|weitere artikel|auch interessant|lesen sie auch",
    r"(?:noticias|artículos) relacionad[oa]s|relacionad[oa]s|te puede interesar|también te puede interesar",
    r"lea también|leia também|veja também|vous aimerez aussi|(?:à )?lire aussi|sur le même sujet|articles liés",
    r"читайте также|похожие (?:статьи|новости)|по теме|смотрите также",
    r"اقرأ أيضا|اقرأ أيضاً|اقرأ ايضا|مواضيع ذات صلة|أخبار ذات صلة|مقالات ذات صلة",
    r"相关阅读|相关新闻|相关文章|延伸阅读|推荐阅读|関連記事|こちらの記事も合わせてどうぞ|おすすめ記事",
)

#: Headers of a list of a site's popular or trending stories: the header and its links are furniture.
POPULAR_HEADER = _whole_line(
    r"most (?:popular|read|viewed|shared|commented)(?: (?:in|on) [\w .'’-]{1,40}| stories| articles| videos| now)?",
    r"(?:trending|popular)(?: now| stories| articles| videos| posts| on [\w .'’-]{1,30})?|top stories|editors?'? picks",
    r"popular articles|latest (?:news|stories|videos|posts)|what(?:'s| is) hot|don't miss|in case you missed it",
    r"meistgelesen|am meisten gelesen|beliebteste artikel|lo más leído|más leídas|mais lidas|les plus lus",
    r"самое популярное|популярное|самое читаемое|الأكثر قراءة|الأكثر مشاهدة|热门文章|热门新闻|阅读排行|人気記事",
    r"up next|watch next|more videos|latest videos|more stories",
)

#: A copyright or rights notice.
#: What a copyright notice starts with…
COPYRIGHT_START = r"©|\(c\)|copyright\b|todos los derechos|tous droits|alle rechte|все права|جميع الحقوق|版权所有|著作権"
#: …or ends with.
RIGHTS_RESERVED = (r"all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados"
                   r"|все права защищены|جميع الحقوق محفوظة|版权所有")
COPYRIGHT = LazyPattern(r"^(?:" + COPYRIGHT_START + r")|(?:" + RIGHTS_RESERVED + r")\W*$", IGNORECASE)

#: The word a byline starts with, in the reader's languages (``By``, ``Von``, ``Por``, ``Par``, ``Автор:``…).
#: A word of a spaced script needs a space (or its colon) after it: ``PORT ELLIS`` does not start with ``Por``.
BYLINE_WORD = (r"(?:(?:by|von|por|par|di|door|av|af|автор:?|текст:?|بقلم|كتب)(?:\s+|(?<=:)\s*)"
               r"|(?:作者[：:]?|记者|文[／/]|撰文[：:]?)\s*)")

#: Words naming a reporter's job: ``Tom Krisher, AP Auto Writer`` is a byline without ``By``.
ROLE_WORD = LazyPattern(
    r"\b(?:writer|reporter|correspondent|editor|columnist|contributor|staff|redakteur(?:in)?|korrespondent(?:in)?"
    r"|corresponsal|redactor[a]?|periodista|journaliste|correspondant[e]?|rédact(?:eur|rice)|корреспондент"
    r"|обозреватель|редактор|مراسل|محرر|记者|编辑|特派员)\b|(?:记者|编辑|特派员)", IGNORECASE)

#: A label in front of a caption (``Image caption``, ``Bildunterschrift:``).
CAPTION_LABEL = LazyPattern(r"^(?:image caption|caption|photo caption|bildunterschrift|pie de foto|légende|подпись"
                           r"|تعليق الصورة|图说|图片说明)\s*[:：]?\s+", IGNORECASE)

#: Words that, inside a caption's bracket or label, make it a photo's credit.
PHOTO_WORD = (r"Photo(?:graph)?s?|Pictures?|Images?|Pool|POOL|Graphics?|Illustrations?|Foto(?:s|grafía|grafia)?"
              r"|Bild(?:er)?|Фото|Снимок|تصوير|صورة|摄|攝|供图|图片")
