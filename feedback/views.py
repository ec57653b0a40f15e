from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from articles.models import Article
from feedback.forms import VoteForm
from feedback.middleware import wants_json
from feedback.models import Vote
from feedback.origin import cross_origin_protected
from feedback.panel import ASK_FOR_DETAILS, FeedbackPanel
from feedback.services import vote_record
from feedback.throttling import vote_allowed
from feedback.voters import new_voter_id, remember_voter, voter_id_from

THANKS = "Thanks for your feedback."
THANKS_FOR_DETAILS = "Thanks — your answer and comments go straight to our editors."
TOO_MANY = "You have sent many votes in a short time. Please wait a few minutes and try again."


# The form is on shared pages, which cannot hold a per-reader token: browsers' own word on
# where a post comes from keeps other sites out instead (feedback/origin.py).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@cross_origin_protected
def vote(request, slug):
    """GET: the reader's own answer and follow-up form. POST: record their vote and follow-up.

    Both answer JSON to the page's script, or HTML (a page, or a redirect back) without it.
    """
    article = get_object_or_404(Article.objects.readable(), slug=slug)
    if request.method in ("GET", "HEAD"):
        return own_form(request, article)
    if not vote_allowed(request):
        return problem(request, article, TOO_MANY, status=429)
    form = VoteForm(request.POST)
    if not form.is_valid():
        first_error = next(iter(form.errors.values()))[0]
        return problem(request, article, first_error, status=400, form=form)

    voter_id = voter_id_from(request) or new_voter_id()
    helpful = form.cleaned_data["helpful"] == "yes"
    follow_up = form.follow_up()
    if form.is_from_a_bot:
        recorded = Vote(article=article, helpful=helpful, **follow_up)  # shown, never stored
    else:
        recorded = vote_record(
            article=article, voter_id=voter_id, helpful=helpful, follow_up=follow_up
        )
    response = answer(request, article, recorded, with_details=bool(follow_up))
    remember_voter(response, voter_id)
    return response


def own_form(request, article):
    """The reader's own answer, as JSON for the script or as a page: never cached, never shared."""
    vote = Vote.objects.of_reader(article, voter_id_from(request))
    panel = FeedbackPanel.for_choice(article, vote, request.GET.get("helpful", ""))
    if wants_json(request):
        return JsonResponse(panel_json(request, panel))
    context = {"article": article, "panel": panel}
    return render(request, "feedback/feedback_page.html", context)


def answer(request, article, recorded, *, with_details):
    message = THANKS_FOR_DETAILS if with_details else THANKS
    panel = FeedbackPanel.for_vote(article, recorded)
    if wants_json(request):
        return JsonResponse({"message": message, **panel_json(request, panel)})
    # Back on the shared article page, the note links to the reader's own form for details.
    tags = "feedback" if with_details else f"feedback {ASK_FOR_DETAILS}"
    messages.success(request, message, extra_tags=tags)
    response = HttpResponseRedirect(f"{article.get_absolute_url()}#feedback")
    response.status_code = 303  # See Other: the browser follows with a GET
    return response


def panel_json(request, panel) -> dict:
    html = render_to_string("feedback/_panel_body.html", {"panel": panel}, request=request)
    fields = {"helpful": panel.helpful, "reason": panel.reason, "comment": panel.comment}
    return {**fields, "html": html}


def problem(request, article, message, *, status, form=None):
    if wants_json(request):
        errors = form.errors.get_json_data() if form else {}
        return JsonResponse({"error": message, "errors": errors}, status=status)
    panel = FeedbackPanel.for_form(article, form) if form else FeedbackPanel(article)
    context = {"article": article, "message": message, "panel": panel}
    return render(request, "feedback/feedback_page.html", context, status=status)
