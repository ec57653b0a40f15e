from tests.webhooks.conftest import run_queue, verified


def test_smoke(clock, endpoint, receiver, make_article):
    article = make_article()
    run_queue()
    assert receiver.types() == [("article.published", article.slug)]
    assert verified(receiver.requests[0], endpoint.secret)["type"] == "article.published"
