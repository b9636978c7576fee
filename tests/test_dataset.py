"""The scale data set generator writes real, readable posts and threads."""

from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment, Post


def test_generate_dataset_builds_posts_and_threaded_comments(app, client):
    result = app.test_cli_runner().invoke(args=["generate-dataset", "--posts", "30", "--comments", "400"])
    assert result.exit_code == 0, result.output
    assert "Added 30 posts and 400 comments." in result.output
    assert db.session.scalar(select(func.count(Post.id))) == 30
    assert db.session.scalar(select(func.count(Comment.id))) == 400
    assert db.session.scalar(select(func.max(Comment.depth))) == 4
    assert db.session.scalar(select(func.sum(Post.comment_count))) == 400
    busiest = db.session.scalar(select(Post).order_by(Post.comment_count.desc()).limit(1))
    page = client.get(f"/posts/{busiest.slug}/")
    assert page.status_code == 200
    assert busiest.title in page.get_data(as_text=True)
    assert client.get("/search?q=soundtrack").status_code == 200
