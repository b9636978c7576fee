import re
from datetime import timedelta
from tests.test_discussion_insights import *  # noqa
def test_x(app, make_user, login, make_post, make_comment):
    now = utcnow()
    busy = make_post("M")
    make_comment(busy, created_at=now)
    client = login(app.test_client(), make_user("editor"))
    html = client.get("/admin/insights").get_data(as_text=True)
    print("SVG", html[html.find("insights-svg"):html.find("insights-svg")+900])
    from blog.comments.insights import comments_per_day
    print(comments_per_day(now))
