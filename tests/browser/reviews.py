"""A small, realistic review blog for browser tests and the README's screenshots.

The lead post is the project's seed review, "Fond Memories Part 1: Magnetic Rose", written
out as Markdown with the pieces a review uses: headings, figures with captions, a blockquote,
a spoiler, a list, a small table, tags, a category and a series. Pictures are painted by
``pictures.still`` and stored through the real upload pipeline, so pages serve them from
``/media/`` like any upload.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Post, PostStatus, Role, User
from blog.models.base import utcnow
from tests.browser.pictures import still

MAGNETIC_ROSE = """\
With the recent Blu-ray re-release of 1987's *Robot Carnival* from Discotek Media, I thought it
would be appropriate to revisit another Katsuhiro Otomo related animation anthology, 1995's
**Memories**.

I first discovered *Memories* in high school, browsing through my local used DVD store in the
pursuit of getting more into "classic anime." This was around the same time I watched *AKIRA*,
*Paprika* and *Ghost in the Shell* for the first time, and *Memories* fits right in with those
for numerous reasons. Magnetic Rose in particular blew me away and still does.

Memories is a three episode anthology based on manga and short stories by *AKIRA*
author/director Katsuhiro Otomo. The shorts vary in tone and subject matter, but they are all
excellent pieces in their own way.

# Magnetic Rose

When people talk about *Memories*, Magnetic Rose is probably the short that takes up the bulk
of that conversation, and for good reason. Out of all three shorts, it cuts the deepest.

The short begins with a group of astronauts traveling to the location of a mysterious distress
call. They trace the call to an abandoned space craft that two of them, Heintz and Miguel,
venture onto to look for the signal. When they arrive inside the ship, things are not as they
expected.

![Two astronauts in a derelict ship's ballroom]({figure1})
Miguel (left) and Heintz (right) step into the derelict.

While the concept largely comes from Otomo's short story, screenplay writer Satoshi Kon (yep,
*the* Satoshi Kon) and director Koji Morimoto added many elements that make the piece more
personal and, frankly, kinda horrifying. Their most notable addition was the emphasis on the
perspective of Heintz, whom we follow on a surreal journey through his feelings of loss,
isolation, and guilt about being away from his wife and daughter.

> Like in his films, there are many scenes that subvert our expectations of whether or not what
> we're looking at on the screen can be trusted as real.

The ending? ||Heintz chooses the memory over the rescue, and the rose swallows the ship.||
Hover or tap to reveal it if you have seen the short.

![A hologram of an opera singer on a stage of light]({figure2})
Heintz views a hologram of opera singer Eva Friedel aboard the ship.

## The music

Director Morimoto had just come off of working on *Macross Plus* with Yoko Kanno, the future
legendary composer of *Cowboy Bebop*. He felt a level of disinterest in the project until he
heard the music that Kanno had produced for his segment; after that he knew that he had to
work with her on Magnetic Rose. [An extended interview with Morimoto can be seen
here](https://example.org/interviews/morimoto).

Kanno's haunting, operatic soundtrack accents the feelings of opulent melancholy that permeate
the short. Music is a large part of Eva's story, and because the score is so powerful, the
feelings around her character are experienced directly by the viewer.

| Short | Director | Runtime |
| --- | --- | --- |
| Magnetic Rose | Koji Morimoto | 44 min |
| Stink Bomb | Tensai Okamura | 40 min |
| Cannon Fodder | Katsuhiro Otomo | 22 min |

## Should you watch it?

If you don't watch anything else from this anthology, please at least check out Magnetic Rose.
It builds a mysterious world in a very short time, with obvious nods to:

- *2001: A Space Odyssey*, for the slow drift through a dead ship;
- *The Shining*, for the ballroom that remembers more than its guests;
- and Kon's own *Perfect Blue*, for the line between memory and performance.

Memories was released on DVD in the U.S. in the early 2000s and is now out of print, though
copies are still cheap. The picture is presented in 1.85:1 anamorphic widescreen with some nice
bonus features.

Thanks for reading! I'll be covering Stink Bomb and Cannon Fodder in upcoming articles, so stay
tuned. If you check out Magnetic Rose, let me know what you think in the comments.
"""

OTHER_REVIEWS = [
    (
        "Robot Carnival on Blu-ray: a parade of small wonders",
        "dusk",
        "Discotek's restoration of the 1987 anthology is the best it has ever looked. Nine "
        "directors, nine robots, and one unforgettable opening march.\n\n# The shorts\n\n"
        "Otomo's bookends still steal the show, but Hidetoshi Ōmori's *Presence* is the one that "
        "stays with you.",
        ["anime", "anthology", "Katsuhiro Otomo"],
        ["Anime"],
        8,
    ),
    (
        "Perfect Blue, twenty-five years on",
        "neon",
        "Satoshi Kon's debut is still the sharpest film ever made about being watched. A rewatch "
        "on the big screen, and why the mirror shots still land.\n\nMima's apartment is the "
        "real stage of the film.",
        ["anime", "Satoshi Kon", "thriller"],
        ["Anime", "Films"],
        21,
    ),
    (
        "Paprika and the dream parade",
        "opera",
        "Kon's last feature is a carnival of refrigerators, dolls and frogs with trumpets. It is "
        "also a gentle film about a lonely detective.\n\nSusumu Hirasawa's score is a character "
        "of its own.",
        ["anime", "Satoshi Kon"],
        ["Anime", "Films"],
        40,
    ),
]


@dataclass
class ReviewSite:
    author: User
    post: Post
    others: list[Post]


DISCUSSION = [
    # (index of the parent in this list or None, name, body, by the post's author)
    (
        None,
        "Mika",
        "Magnetic Rose is the reason I got into Satoshi Kon. That **ballroom** scene still "
        "gives me chills, and Kanno's *Madame Butterfly* cue is perfect.",
        False,
    ),
    (0, "Bebopshock", "Same here! I didn't even realise it was Kon's script until years later.", True),
    (1, "Mika", "Perfect Blue next? ||The mirror scenes feel like a direct continuation.||", False),
    (
        None,
        "Jonas",
        "Great write-up. Is the Discotek Blu-ray of Robot Carnival worth the upgrade over the old DVD?",
        False,
    ),
    (3, "Bebopshock", "Absolutely: new scan, new subtitles, and the colours finally look right.", True),
]


def build_review_site(
    make_user: Callable[..., User],
    make_post: Callable[..., Post],
    make_comment: Callable[..., object] | None = None,
) -> ReviewSite:
    """The seed review (part 1 of "Fond Memories", with pictures) and three older reviews.

    With ``make_comment``, the review also gets a short threaded discussion with the author's replies.
    """
    author = make_user(Role.ADMIN, name="Bebopshock", email="bebopshock@example.org")
    cover = store_upload(still(1, "rose"), "magnetic-rose-cover.jpg", author)
    figure1 = store_upload(still(2, "sea", (1200, 675)), "heintz-and-miguel.jpg", author)
    figure2 = store_upload(still(3, "opera", (1200, 675)), "eva-friedel.jpg", author)
    db.session.commit()
    now = utcnow()
    others = []
    for index, (title, palette, body, tags, categories, days_ago) in enumerate(OTHER_REVIEWS):
        picture = store_upload(still(10 + index, palette), f"{palette}.jpg", author)
        db.session.commit()
        others.append(
            make_post(
                title,
                body,
                author=author,
                tags=tags,
                categories=categories,
                cover_image=f"/media/{picture.key}",
                cover_alt=f"A still from {title.split(':')[0].split(',')[0]}",
                published_at=now - timedelta(days=days_ago),
            )
        )
    post = make_post(
        "Fond Memories Part 1: Magnetic Rose",
        MAGNETIC_ROSE.format(figure1=f"/media/{figure1.key}", figure2=f"/media/{figure2.key}"),
        author=author,
        excerpt=(
            "Katsuhiro Otomo's 1995 anthology opens with its best short: a derelict ship, an opera "
            "singer's memories and a Yoko Kanno score that cuts the deepest."
        ),
        tags=["anime", "Katsuhiro Otomo", "Satoshi Kon", "Yoko Kanno", "anthology"],
        categories=["Anime"],
        series_title="Fond Memories",
        series_part=1,
        cover_image=f"/media/{cover.key}",
        cover_alt="A derelict ship drifting under a rose-coloured nebula",
        published_at=now - timedelta(hours=3),
    )
    for part, title in ((2, "Fond Memories Part 2: Stink Bomb"), (3, "Fond Memories Part 3: Cannon Fodder")):
        make_post(
            title,
            f"Notes for part {part}.",
            author=author,
            status=PostStatus.DRAFT,
            series_title="Fond Memories",
            series_part=part,
        )
    if make_comment is not None:
        made: list[object] = []
        for parent, name, body, by_author in DISCUSSION:
            made.append(
                make_comment(
                    post,
                    body,
                    parent=made[parent] if parent is not None else None,
                    name=name,
                    user=author if by_author else None,
                )
            )
    return ReviewSite(author=author, post=post, others=others)
