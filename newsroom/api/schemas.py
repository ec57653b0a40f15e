"""What the API answers, described for its OpenAPI document (the answers themselves are built
by `representation`; tests check that they match these)."""

from ninja import Schema
from pydantic import Field


class Provenance(Schema):
    origin: str = Field(description="pipeline, assisted or human.")
    pipeline_version: str
    sources_verified: bool
    fact_checked: bool
    quality_score: float | None


class ReferenceOut(Schema):
    number: int
    publisher: str
    title: str
    url: str
    accessed_at: str | None = Field(description="YYYY-MM-DD.")


class GateFailure(Schema):
    gate: str
    message: str


class PublicChangeOut(Schema):
    kind: str = Field(description="correction, clarification, update, editors_note, retraction.")
    text: str
    published_at: str


class RenditionOut(Schema):
    url: str
    type: str = Field(description="image/webp, image/jpeg or image/png.")
    width: int
    height: int


class LeadImageOut(Schema):
    alt: str
    caption: str
    credit: str
    ai_generated: bool
    width: int
    height: int
    sha256: str = Field(
        description="The digest of the file: articles sending the same file share its renditions."
    )
    renditions: list[RenditionOut] = Field(
        description="WebP first, then JPEG (PNG for a picture with transparency), narrowest first."
    )


class ArticleOut(Schema):
    external_id: str | None
    title: str
    slug: str
    dek: str
    body: str = Field(description="Markdown with [n] citations.")
    section: str = Field(description="The section's slug.")
    tags: list[str]
    byline: str
    published_at: str | None
    status: str = Field(description="draft, in_review, published or archived.")
    featured: bool
    provenance: Provenance
    references: list[ReferenceOut]
    lead_image: LeadImageOut | None = Field(
        description="Sent as lead_image.data (base64) in the import format; shown as renditions."
    )
    url: str = Field(description="The article's page (readers see it only while it is live).")
    state: str = Field(
        description="As readers experience it: draft, in_review, scheduled, published, "
        "retracted or archived."
    )
    is_live: bool = Field(description="Readers can open its page now.")
    revision: int = Field(description="Its latest revision's number; the ETag starts with it.")
    updated_at: str
    modified_at: str | None = Field(description="Its last public change (Updated …).")
    retracted_at: str | None
    reviewed_at: str | None = Field(description="When an editor approved it as it reads now.")
    held_by_gates: list[GateFailure] = Field(
        description="The publication gates it failed; it waits in review for an editor."
    )
    word_count: int
    reading_time_minutes: int
    public_changes: list[PublicChangeOut] = Field(description="Oldest first.")


class GateResult(Schema):
    gate: str
    passed: bool
    message: str | None = None


class ArticleWritten(Schema):
    outcome: str = Field(description="created, updated or unchanged.")
    message: str = Field(description="What happened, as `import_articles` says it.")
    held_for_review: bool
    gates: list[GateResult] = Field(
        description="The enabled publication gates, when this call asked to publish."
    )
    article: ArticleOut


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
    next: str | None = Field(description="The next page's address, or null on the last.")


class PublicChangeOfRevision(Schema):
    kind: str
    text: str


class RevisionOut(Schema):
    number: int
    created_at: str
    author: str
    by_pipeline: bool
    via: str = Field(description="admin, import, api, restore, command or earlier.")
    message: str
    public_change: PublicChangeOfRevision | None


class RevisionList(Schema):
    items: list[RevisionOut] = Field(description="Newest first.")


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    field: str | None = Field(None, description="The field at fault, as `references[2].url`.")
    gates: list[GateFailure] | None = None
