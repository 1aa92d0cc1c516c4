"""Rule settings, ranking results and special nominations of a period."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jixiao.core import glossary
from jixiao.org.models import Gender
from jixiao.selection import rules


class QuotaRounding(models.TextChoices):
    FLOOR = rules.QuotaRounding.FLOOR, _("round down")
    HALF_UP = rules.QuotaRounding.HALF_UP, _("round half up")
    CEIL = rules.QuotaRounding.CEIL, _("round up")


class TiePolicy(models.TextChoices):
    SHARE_RANK = rules.TiePolicy.SHARE_RANK, _("tied people share a rank: all pass or none")
    EXCLUDE_STRADDLING = (
        rules.TiePolicy.EXCLUDE_STRADDLING,
        _("a tie across the cut-off passes nobody in it"),
    )


class PeerScope(models.TextChoices):
    UNIT = rules.PeerScope.UNIT, _("same unit and category")
    UNIT_TREE = rules.PeerScope.UNIT_TREE, _("same top-level unit tree and category")
    CITY = rules.PeerScope.CITY, _("city-wide per category")


class Outcome(models.TextChoices):
    BY_RANK = rules.Outcome.BY_RANK, glossary.ELIGIBLE_BY_RANK_LABEL
    VETOED = rules.Outcome.VETOED, glossary.VETOED_LABEL
    NOT_SELECTED = rules.Outcome.NOT_SELECTED, glossary.NOT_SELECTED_LABEL

    @classmethod
    def label_for(cls, outcome: str, share_percent) -> str:
        """A person's result on a page: ``排名前10%`` with the period's share, 否决, 未入选."""
        if outcome == cls.BY_RANK:
            return glossary.top_share_label(share_percent)
        return str(cls(outcome).label)


percent_validators = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class SelectionRules(models.Model):
    """Every number of the selection rules, set per period (DESIGN.md rules 1–4)."""

    period = models.OneToOneField(
        "assessment.Period", primary_key=True, on_delete=models.CASCADE, related_name="rules"
    )
    share_percent = models.DecimalField(
        _("share eligible by rank (percent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=percent_validators,
    )
    quota_rounding = models.CharField(
        _("quota rounding"), max_length=10, choices=QuotaRounding, default=QuotaRounding.FLOOR
    )
    min_quota = models.PositiveSmallIntegerField(_("minimum quota per peer group"), default=0)
    tie_policy = models.CharField(
        _("ties at the cut-off"), max_length=20, choices=TiePolicy, default=TiePolicy.SHARE_RANK
    )
    peer_scope = models.CharField(_("peer group"), max_length=10, choices=PeerScope, default=PeerScope.UNIT)
    fill_vetoed_places = models.BooleanField(_("a vetoed person's place passes to the next"), default=False)
    special_cap_percent = models.DecimalField(
        _("special nomination cap (percent of unit headcount)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2"),
        validators=percent_validators,
    )
    special_cap_rounding = models.CharField(
        _("special cap rounding"), max_length=10, choices=QuotaRounding, default=QuotaRounding.FLOOR
    )
    special_reason_min_length = models.PositiveSmallIntegerField(
        _("minimum length of a special nomination's reason"), default=20
    )
    publicity_working_days = models.PositiveSmallIntegerField(
        _("publicity period (working days)"), default=5, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("selection rules")
        verbose_name_plural = _("selection rules")

    def __str__(self) -> str:
        return str(self.period)

    def ranking_rules(self) -> rules.RankingRules:
        return rules.RankingRules(
            share_bp=rules.percent_to_basis_points(self.share_percent),
            rounding=rules.QuotaRounding(self.quota_rounding),
            min_quota=self.min_quota,
            tie_policy=rules.TiePolicy(self.tie_policy),
            fill_vetoed_places=self.fill_vetoed_places,
        )

    def special_cap(self, headcount: int) -> int:
        return rules.special_cap(
            headcount,
            rules.percent_to_basis_points(self.special_cap_percent),
            rules.QuotaRounding(self.special_cap_rounding),
        )


def share_percent_of(period) -> Decimal:
    """The period's share eligible by rank (rule 2); the default where its rules were never
    set (a period made in the admin)."""
    try:
        return period.rules.share_percent
    except SelectionRules.DoesNotExist:
        return SelectionRules._meta.get_field("share_percent").default


class RankingRun(models.Model):
    """One computation of a period's ranking: when, by whom, on how many people, and of
    which peer groups — the whole period, or those of one unit (``unit``: under the peer
    scope ``peer_scope``, the unit itself or its whole unit tree)."""

    period = models.ForeignKey("assessment.Period", on_delete=models.CASCADE, related_name="ranking_runs")
    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    actor = models.CharField(_("by"), max_length=150)
    ranked = models.PositiveIntegerField(_("people ranked"))
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    peer_scope = models.CharField(_("peer group"), max_length=10, choices=PeerScope, default=PeerScope.UNIT)

    class Meta:
        verbose_name = _("ranking run")
        verbose_name_plural = _("ranking runs")
        get_latest_by = "ran_at"

    def __str__(self) -> str:
        # In the site's time zone, as every page shows times (the audit log names targets so).
        return f"{self.period} {timezone.localtime(self.ran_at):%Y-%m-%d %H:%M}"


class RankingResult(models.Model):
    """A person's place in their peer group, as last computed for the period.

    The table is rebuilt whole by one INSERT … SELECT per run; it is derived data, so its
    foreign keys carry no database constraints that would be checked a million times, and
    no indexes beyond the two its pages read by (period + person, period + unit). On
    PostgreSQL each period's rows are a partition of their own, built and swapped in whole.
    """

    pk = models.CompositePrimaryKey("period_id", "person_id")
    period = models.ForeignKey(
        "assessment.Period",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # The person's roster entry of the period: the name, post and gender the period shows.
    entry = models.ForeignKey(
        "assessment.RosterEntry",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    category = models.ForeignKey(
        "org.Category", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # The unit whose people form the peer group (the unit itself or its top-level unit);
    # empty when the peer group is city-wide.
    group_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank in group"))
    group_size = models.PositiveIntegerField(_("group size"))
    quota = models.PositiveIntegerField(_("places"))
    outcome = models.CharField(_("result"), max_length=4, choices=Outcome)
    veto_text = models.CharField(_("veto reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ranking result")
        verbose_name_plural = _("ranking results")
        indexes = [models.Index(fields=["period", "unit"], name="ranking_period_unit")]

    def __str__(self) -> str:
        return f"{self.period_id}/{self.person_id}: {self.rank}/{self.group_size}"

    @property
    def reason(self) -> str:
        """Why the person has this result, in the user's language."""
        if self.outcome == Outcome.VETOED:
            return self.veto_text
        params = {"rank": self.rank, "size": self.group_size, "quota": self.quota}
        if self.outcome == Outcome.BY_RANK:
            return _("rank %(rank)s of %(size)s, within %(quota)s places") % params
        if self.quota == 0:
            return _("rank %(rank)s of %(size)s; the group has no places") % params
        return _("rank %(rank)s of %(size)s, outside %(quota)s places") % params


class NominationState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class SpecialNomination(models.Model):
    """Rule 3: a person outside the top share nominated for an outstanding contribution."""

    period = models.ForeignKey("assessment.Period", on_delete=models.CASCADE, related_name="nominations")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="nominations")
    # The name the period's roster gave the person when nominated.
    name = models.CharField(_("name"), max_length=50)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="nominations")
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=NominationState, default=NominationState.PROPOSED
    )
    nominated_by = models.CharField(_("nominated by"), max_length=150)
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    withdrawn_by = models.CharField(_("withdrawn by"), max_length=150, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("special nomination")
        verbose_name_plural = _("special nominations")
        constraints = [
            models.UniqueConstraint(fields=["period", "person"], name="one_nomination_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.name}"


class ProposalState(models.TextChoices):
    """A unit's way through a period after its ranking (DESIGN.md rules 5–7)."""

    DRAFT = "draft", _("being proposed")
    SUBMITTED = "submitted", _("with the committee")
    DECIDED = "decided", _("decided")
    PUBLICITY = "publicity", _("in publicity")
    PUBLISHED = "published", _("published")


class Proposal(models.Model):
    """A unit's candidate list for a period, as proposed, decided and published."""

    period = models.ForeignKey("assessment.Period", on_delete=models.CASCADE, related_name="proposals")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="proposals")
    state = models.CharField(_("state"), max_length=10, choices=ProposalState, default=ProposalState.DRAFT)
    submitted_by = models.CharField(_("submitted by"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The decided list is frozen: the hash of its content, checked whenever it is shown.
    decided_hash = models.CharField(_("content hash of the decided list"), max_length=64, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A later change of the ranking never edits a decided list; it flags it for a new decision.
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    flag_reason = models.TextField(_("why it needs a new decision"), blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="one_proposal_per_unit")]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}"


class Route(models.TextChoices):
    BY_RANK = "rank", glossary.TOP_BY_RANK_LABEL
    SPECIAL = "special", glossary.SPECIAL_LABEL

    @classmethod
    def label_for(cls, route: str, share_percent) -> str:
        """A person's route on a page: ``排名前10%`` with the period's share, or 突出贡献."""
        return glossary.route_label(route == cls.BY_RANK, share_percent)


class Verdict(models.TextChoices):
    PENDING = "pending", _("not yet decided")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


# Approved by the committee and not removed by an upheld objection: on the notice, and the
# exemplars once the list is published (rule 7).
KEPT = models.Q(verdict=Verdict.APPROVED, removed_at__isnull=True)


class CandidateQuerySet(models.QuerySet):
    def kept(self):
        """The candidates on the notice (``KEPT``)."""
        return self.filter(KEPT)

    def exemplars(self):
        """The exemplars (rule 7): kept candidates of published lists."""
        return self.kept().filter(proposal__state=ProposalState.PUBLISHED)


class Candidate(models.Model):
    """A person on a proposal, with what the ranking and the roster said when it was
    proposed: the list keeps the name, gender, category and post it showed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="candidacies")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender, blank=True)
    category = models.ForeignKey("org.Category", on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("post"), max_length=100, blank=True)
    route = models.CharField(_("route"), max_length=10, choices=Route)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank in group"))
    group_size = models.PositiveIntegerField(_("group size"))
    # For a special nomination: the written reason, which is also its 事迹 in the notice.
    reason = models.TextField(_("reason"), blank=True)
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict, default=Verdict.PENDING)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    # Set when an upheld objection takes the person off the list.
    removed_at = models.DateTimeField(_("removed after an objection at"), null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["route", "category__sort_order", "category_id", "rank", "person__staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "person"], name="one_candidacy_per_proposal")
        ]

    def __str__(self) -> str:
        return f"{self.proposal} {self.name}"

    @property
    def kept(self) -> bool:
        """On the notice: approved and not removed after an objection (``KEPT``)."""
        return self.verdict == Verdict.APPROVED and self.removed_at is None


class MeetingKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("party committee meeting (党委会)")
    PARTY_GROUP = "party_group", _("party group meeting (党组会)")


class Meeting(models.Model):
    """The committee meeting that decided a proposal; a re-decision records another one."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("meeting"), max_length=20, choices=MeetingKind)
    date = models.DateField(_("meeting date"))
    minutes_number = models.CharField(_("minutes number"), max_length=50)
    members = models.PositiveSmallIntegerField(_("members"))
    present = models.PositiveSmallIntegerField(_("present"))
    absent_note = models.CharField(_("absent, and why"), max_length=200, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} {self.minutes_number}"


class Notice(models.Model):
    """The publicity notice (公示) of a decided proposal (DESIGN.md rule 6)."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="notice")
    start = models.DateField(_("publicity starts"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    end = models.DateField(_("publicity ends"))
    issuing_body = models.CharField(_("issued by"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    receiving_body = models.CharField(_("objections are received by"), max_length=100)
    phone = models.CharField(_("phone"), max_length=50)
    address = models.CharField(_("address or e-mail"), max_length=200, blank=True)
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("publicity notice")
        verbose_name_plural = _("publicity notices")

    def __str__(self) -> str:
        return str(self.proposal)


class Resolution(models.TextChoices):
    OPEN = "open", _("not yet resolved")
    UPHELD = "upheld", _("upheld")
    DISMISSED = "dismissed", _("dismissed")


class Objection(models.Model):
    """An objection raised during publicity, against one candidate."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="objections")
    objector = models.CharField(_("raised by (real name)"), max_length=50)
    objector_phone = models.CharField(_("their phone"), max_length=50)
    received_at = models.DateTimeField(_("received at"))
    content = models.TextField(_("content"))
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution, default=Resolution.OPEN)
    resolution_reason = models.TextField(_("reason for the resolution"), blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    resolved_by = models.CharField(_("resolved by"), max_length=150, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.candidate} {timezone.localtime(self.received_at):%Y-%m-%d}"
