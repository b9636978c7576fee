"""Demo data for ``flask seed-demo``: Memories (1995), its three segments, its people and credits.

The information and credits come from the anime database page the demo is modelled on (the
synopsis is copied here as data, so nothing reads outside the package at run time). Running it
again changes nothing: works and people are found by slug before anything is created.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from blog.extensions import db
from blog.models.posts import Post
from blog.models.works import Person, Review, Work, WorkKind
from blog.reviews.editing import CreditInput, PersonInput, WorkInput, save_person, save_work, set_review

MEMORIES_SYNOPSIS = """\
Three short stories featuring salvage space ship Corona responding to an S.O.S. from the mysterious Madame Butterfly, a young man accidentally becoming a weapon of (stinky) mass destruction, and a day in the life of a cannon city devoted to the destruction of a far away enemy.
An anthology film in the tradition of Robot Carnival and Neo-Tokyo, hyped further for comprising three stories based on works by Katsuhiro Otomo. For Magnetic Rose (Kanojo no Omoide, jpn: Her Memories, hence the title for the film), a group of space salvage operators find a gravity well in the center of the "Sargasso" area of space. Sensing booty, they investigate, to find that the giant metal rose is the mausoleum of a famous opera singer from the 20th century. Robots and holograms on the ship recreate the events of her life and her bitterness over her rejection by her lover, Carlo; though as the visitors dig deeper, they not only discover more sinister aspects of her past, but also that the mausoleum wants to drag them into the illusions forever. For astronaut Heintz Beckner, haunted by his daughter Emily's death on Earth, this is a tempting prospect, and Morimoto's direction juxtaposes ultramodern sci-fi designs with the stately baroque interiors of the space station and the homespun farmhouse of Beckner's family. Redolent at times of Tarkovsky's Solaris (1971) and the poststargate scenes from 2001: A Space Odyssey (1968), the Magnetic Rose sequence is one of the triumphs of anime, helped all the more by liberal extracts of Puccini's Madame Butterfly and Tosca, which manage to dwarf the other music by Yoko Kanno, Japan's greatest living composer.
The second sequence, Stink Bomb, reprises the runaway-weapon theme of Otomo's Roujin Z. Hapless scientific researcher Nobuo takes an antihistamine, unaware it is an experimental bioweapon that generates a fatal odor. Not realizing there are any ill effects, he heads for Tokyo to report to his bosses, while the military throw every weapon they have at him, and passersby drop dead in his tracks. Eventually, the task is left to foreign soldiers (thinly disguised Americans) whom the canny Japanese everyman effortlessly outwits. A well-made but lightweight comedy.
The final part, Cannon Fodder, was the first anime Otomo directed after Akira. Originally planned as a 5-minute sequence, it ran well over time and budget, eventually reaching the 15-minute form shown. Set in a steam-punk world that recalls the animation sequences of Pink Floyd's The Wall (1982), it features a nameless boy living in a town whose entire existence revolves around an unexplained war with a distant foe. He goes to school to learn about gunnery, while his father goes to work on one of the giant cannons, shooting an immense shell over the horizon. Shot in a drained, drab color scheme, Cannon Fodder is a stinging indictment of war-the boy knows nothing except fighting and dreams of cartoon soldiers. It is also a masterpiece from Otomo, planned as a single, continuous tracking shot (though this is not sustained for the entire film) and utilizing digital effects and scoring, reputedly as an experiment for Steam Boy."""  # noqa: E501

#: (name, name in Japanese, note about the person)
PEOPLE: list[tuple[str, str, str]] = [
    ("Tensai Okamura", "岡村天斎", "He's the creator of Darker than Black and a director for many shows."),
    ("Hirotsugu Kawasaki", "", ""),
    ("Hidekazu Ohara", "", ""),
    (
        "Koji Morimoto",
        "森本晃司",
        "Koji Morimoto was born December 26, 1959 in Japan, and is one of that nation's premier anime directors.",
    ),
    ("Katsuhiro Otomo", "大友克洋", ""),
    (
        "Masahiro Ando",
        "",
        "A japanes animator/director who has worked in popular shows including Canaan, Cowboy Bebop, Wolf's Rain"
        " and Neon Genesis Evangelion.",
    ),
    (
        "Takashi Watanabe",
        "",
        "A Japanese director who was best known for directing Slayers, Lost Universe and Ichiban Ushiro no Dai Maō.",
    ),
    (
        "Satoshi Kon",
        "今敏",
        "Famous Anime Director Notable for his Realistic Character Designs and Psychological Storytelling",
    ),
    ("Yoko Kanno", "菅野よう子", ""),
    ("Hiroyuki Nagashima", "", ""),
    ("Jun Miyake", "", ""),
]

#: Memories' credits as the seed lists them, in order: (person, role, note).
MEMORIES_CREDITS: list[tuple[str, str, str]] = [
    ("Tensai Okamura", "Director", "He's the creator of Darker than Black and a director for many shows."),
    ("Hirotsugu Kawasaki", "Character Artist/Designer", ""),
    ("Hidekazu Ohara", "Character Artist/Designer", ""),
    (
        "Koji Morimoto",
        "Director",
        "Koji Morimoto was born December 26, 1959 in Japan, and is one of that nation's premier anime directors.",
    ),
    ("Katsuhiro Otomo", "Director", ""),
    (
        "Masahiro Ando",
        "Key Animator",
        "A japanes animator/director who has worked in popular shows including Canaan, Cowboy Bebop, Wolf's Rain"
        " and Neon Genesis Evangelion.",
    ),
    (
        "Takashi Watanabe",
        "Art Director",
        "A Japanese director who was best known for directing Slayers, Lost Universe and Ichiban Ushiro no Dai Maō.",
    ),
    (
        "Satoshi Kon",
        "Writer",
        "Famous Anime Director Notable for his Realistic Character Designs and Psychological Storytelling",
    ),
    (
        "Yoko Kanno",
        "Music",
        'Did the Soundtrack to the Magnetic Rose Segment and the ending theme "In yer Memory".',
    ),
    ("Hiroyuki Nagashima", "Music", "Did the Soundtrack to the Cannon Fodder Segment."),
    ("Jun Miyake", "Music", "Did the Soundtrack to the Stink Bomb Segment."),
]

#: The three segments: (title, original title, credits taken from Memories' notes above).
SEGMENTS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "Magnetic Rose",
        "彼女の想いで",
        [("Koji Morimoto", "Director", ""), ("Satoshi Kon", "Writer", ""), ("Yoko Kanno", "Music", "")],
    ),
    ("Stink Bomb", "最臭兵器", [("Tensai Okamura", "Director", ""), ("Jun Miyake", "Music", "")]),
    ("Cannon Fodder", "大砲の街", [("Katsuhiro Otomo", "Director", ""), ("Hiroyuki Nagashima", "Music", "")]),
]

SEGMENT_SYNOPSES = {
    "Magnetic Rose": "For Magnetic Rose " + MEMORIES_SYNOPSIS.split("\n")[1].split("For Magnetic Rose ", 1)[1],
    "Stink Bomb": MEMORIES_SYNOPSIS.split("\n")[2],
    "Cannon Fodder": MEMORIES_SYNOPSIS.split("\n")[3],
}

REVIEW_SCORE = 9.0
REVIEW_SCALE = 10
REVIEW_VERDICT = (
    "The short that cuts the deepest: Satoshi Kon and Koji Morimoto turn Otomo's ghost story into a haunting,"
    " operatic trip through loss and memory."
)


def _people(author_post: Post) -> None:
    existing = {p.name for p in db.session.scalars(select(Person).where(Person.name.in_([n for n, _, _ in PEOPLE])))}
    for name, original, note in PEOPLE:
        if name not in existing:
            save_person(author_post.author, PersonInput(name=name, original_name=original, note=note))


def _work(post: Post, slug: str, data: WorkInput, parent: Work | None = None, position: int = 0) -> Work:
    work = db.session.scalar(select(Work).where(Work.slug == slug))
    if work is None:
        work = save_work(post.author, data, parent=parent, position=position, slug=slug, summary="Demo data")
    return work


def seed_reviews(post: Post) -> Review:
    """Create Memories, its segments, people and credits if missing, and make ``post`` review the
    segment its title names (Magnetic Rose for the seed review) with a score and a verdict."""
    _people(post)
    memories = _work(
        post,
        "memories",
        WorkInput(
            title="Memories",
            original_title="メモリーズ",
            original_language="ja",
            kind=WorkKind.FILM,
            aliases=["Katsuhiro Otomo Presents: Memories"],
            release_dates=[("Japan", date(1995, 12, 23)), ("US", date(2004, 2, 24))],
            runtime_minutes=115,
            content_rating="R",
            genres=["Anime", "Science fiction", "Anthology"],
            themes=["Memory", "War"],
            synopsis=MEMORIES_SYNOPSIS,
            credits=[CreditInput(p, r, n) for p, r, n in MEMORIES_CREDITS],
        ),
    )
    segments = {}
    for position, (title, original, credits) in enumerate(SEGMENTS, 1):
        segments[title] = _work(
            post,
            title.lower().replace(" ", "-"),
            WorkInput(
                title=title,
                original_title=original,
                original_language="ja",
                kind=WorkKind.SEGMENT,
                synopsis=SEGMENT_SYNOPSES[title],
                credits=[CreditInput(p, r, n) for p, r, n in credits],
            ),
            parent=memories,
            position=position,
        )
    reviewed = next((work for title, work in segments.items() if title.lower() in post.title.lower()), None)
    reviewed = reviewed or segments["Magnetic Rose"]
    existing = db.session.scalar(select(Review).where(Review.post_id == post.id))
    if existing is not None:
        return existing
    return set_review(post.author, post, reviewed, score=REVIEW_SCORE, verdict=REVIEW_VERDICT, scale=REVIEW_SCALE)
