//! The workload cost calculator: what one month of a reader's workload costs on each model,
//! itemised, following the reference semantics in PRODUCT.md ("The calculator").
//!
//! All money is exact `Decimal` and every operation is checked: a workload too large to
//! calculate is an error, never a panic or a wrapped number.

use std::collections::HashMap;

use rust_decimal::prelude::*;
use serde::Serialize;

use crate::model::price::{Price, Pricing};
use crate::model::{Charging, Model, Variant};

use crate::format::group_thousands;
use crate::model::price::MILLION;

/// Serialises an amount without the trailing zeros exact products accumulate
/// ("4.7500000" -> "4.75"). Done here, not when pricing, because normalising is slow
/// enough to matter when every model is priced on every request.
/// A figure in the JSON exports, rounded as the CSV rounds it ([`crate::format::plain`]).
fn plain_decimal<S: serde::Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::format::plain(*value))
}

/// One month of traffic as the reader describes it. Shares are fractions in `0..=1`, not percent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Workload {
    /// Requests per month (`R`).
    pub requests: Decimal,
    /// Input tokens per request (`I`); also decides whether a long-context tier applies.
    pub input_tokens: Decimal,
    /// Output tokens per request (`O`), not counting reasoning tokens.
    pub output_tokens: Decimal,
    /// Share of input tokens read from the cache (`h`).
    pub cache_hit: Decimal,
    /// Share of input tokens written to the cache (`w`); `h + w ≤ 1`.
    pub cache_write: Decimal,
    /// Share of requests sent through the model's batch listing (`b`).
    pub batch: Decimal,
    /// Committed-use discount off the whole bill (`d`).
    pub discount: Decimal,
    /// Reasoning tokens per request, 0 when the model does not reason.
    pub reasoning_tokens: Decimal,
}

/// Why a workload cannot be priced at all, whatever the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    #[error("{0} cannot be negative")]
    Negative(&'static str),
    #[error("requests per month must be at least 1")]
    NoRequests,
    #[error("a discount of 100 % makes every bill zero; enter less than 100 %")]
    WholeDiscount,
    #[error("{0} must be between 0 % and 100 %")]
    ShareOutOfRange(&'static str),
    #[error("cache hits and cache writes together exceed 100 % of input tokens")]
    CacheSharesOver100,
    #[error("the monthly token volume is too large to calculate")]
    TooLarge,
}

impl Workload {
    /// `Tin = R·I`; `None` when it does not fit a `Decimal`.
    pub fn monthly_input_tokens(&self) -> Option<Decimal> {
        self.requests.checked_mul(self.input_tokens)
    }

    /// `Tout = R·O`; `None` when it does not fit a `Decimal`.
    pub fn monthly_output_tokens(&self) -> Option<Decimal> {
        self.requests.checked_mul(self.output_tokens)
    }

    /// `R · reasoning tokens`; `None` when it does not fit a `Decimal`.
    pub fn monthly_reasoning_tokens(&self) -> Option<Decimal> {
        self.requests.checked_mul(self.reasoning_tokens)
    }

    /// Checks the ranges PRODUCT.md sets; form handlers should call this to show the reader
    /// one message instead of the same error on every model.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        let volumes = [
            ("requests per month", self.requests),
            ("input tokens", self.input_tokens),
            ("output tokens", self.output_tokens),
            ("reasoning tokens", self.reasoning_tokens),
        ];
        if let Some((name, _)) = volumes.iter().find(|(_, v)| *v < Decimal::ZERO) {
            return Err(WorkloadError::Negative(name));
        }
        // No requests, or everything off, would price every model at zero and call it free.
        if self.requests < Decimal::ONE {
            return Err(WorkloadError::NoRequests);
        }
        let shares = [
            ("the cache hit rate", self.cache_hit),
            ("the cache write share", self.cache_write),
            ("the batch share", self.batch),
            ("the discount", self.discount),
        ];
        if let Some((name, _)) = shares
            .iter()
            .find(|(_, v)| *v < Decimal::ZERO || *v > Decimal::ONE)
        {
            return Err(WorkloadError::ShareOutOfRange(name));
        }
        if self.discount == Decimal::ONE {
            return Err(WorkloadError::WholeDiscount);
        }
        if self
            .cache_hit
            .checked_add(self.cache_write)
            .is_none_or(|sum| sum > Decimal::ONE)
        {
            return Err(WorkloadError::CacheSharesOver100);
        }
        if self.monthly_input_tokens().is_none()
            || self.monthly_output_tokens().is_none()
            || self.monthly_reasoning_tokens().is_none()
        {
            return Err(WorkloadError::TooLarge);
        }
        Ok(())
    }

    /// The same traffic with no caching and every request on demand: the yardstick for
    /// what caching and batching save. The discount is kept, so savings compare like with like.
    pub fn without_caching_or_batch(&self) -> Workload {
        Workload {
            cache_hit: Decimal::ZERO,
            cache_write: Decimal::ZERO,
            batch: Decimal::ZERO,
            ..self.clone()
        }
    }

    /// The tokens one request occupies in a context window: input, output and reasoning,
    /// rounded up to a whole token; sizes beyond `u64` saturate.
    pub fn request_tokens(&self) -> u64 {
        self.input_tokens
            .checked_add(self.output_tokens)
            .and_then(|t| t.checked_add(self.reasoning_tokens))
            .map(|t| t.ceil())
            .and_then(|t| t.to_u64())
            .unwrap_or(u64::MAX)
    }

    /// The prompt size that selects a long-context tier. Fractional averages round down
    /// because a tier starts at a whole number of tokens; sizes beyond `u64` saturate.
    fn prompt_tokens(&self) -> u64 {
        self.input_tokens.floor().to_u64().unwrap_or(u64::MAX)
    }
}

/// Why one model cannot be priced for a workload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotPriceable {
    #[error("variable pricing: the price depends on where the request is routed")]
    Variable,
    #[error("{}", Charging::NOT_PER_TOKEN_REASON)]
    NotPerToken,
    #[error("no {0} price listed")]
    NoPrice(&'static str),
    #[error("the cost is too large to calculate")]
    Overflow,
    #[error(transparent)]
    Workload(#[from] WorkloadError),
}

/// Which half of the on-demand/batch split a bill line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    OnDemand,
    Batch,
}

impl Part {
    pub fn label(self) -> &'static str {
        match self {
            Part::OnDemand => "on demand",
            Part::Batch => "batch",
        }
    }
}

/// What a bill line's quantity counts, and so what its unit price is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineUnit {
    /// Quantity in tokens; unit price in USD per million tokens.
    Tokens,
    /// Quantity in requests; unit price in USD per request.
    Requests,
}

/// One row of the itemised bill, before the discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillLine {
    /// "Uncached input", "Cache reads", "Cache writes", "Output", "Reasoning" or "Request fees".
    pub label: &'static str,
    pub part: Part,
    #[serde(serialize_with = "plain_decimal")]
    pub quantity: Decimal,
    pub unit: LineUnit,
    /// USD per million tokens, or per request for [`LineUnit::Requests`].
    #[serde(serialize_with = "plain_decimal")]
    pub unit_price: Decimal,
    #[serde(serialize_with = "plain_decimal")]
    pub amount: Decimal,
}

/// A month of the workload on one model.
///
/// `on_demand_part + batch_part` is the bill before the discount (it equals the sum of
/// `lines`); `monthly_cost = on_demand_part + batch_part − discount_amount`. The derived
/// per-unit figures below are all after the on-demand/batch mix and the discount, so they
/// describe what the reader actually pays; each is zero when its denominator is zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthlyBill {
    pub id: String,
    /// The short display name (without the "Author: " prefix).
    pub name: String,
    /// The listing is free ([`Model::is_free`]), whatever this workload happens to cost on it.
    pub free: bool,
    #[serde(serialize_with = "plain_decimal")]
    pub monthly_cost: Decimal,
    /// `monthly_cost / R`.
    #[serde(serialize_with = "plain_decimal")]
    pub cost_per_request: Decimal,
    /// What the reader pays for input — uncached input, cache reads and cache writes, on
    /// demand and batch, after the discount — divided by `Tin`, per million tokens.
    #[serde(serialize_with = "plain_decimal")]
    pub effective_input_per_million: Decimal,
    /// The on-demand input price of the tier that applied, per million tokens: the list
    /// price `effective_input_per_million` is compared with.
    #[serde(serialize_with = "plain_decimal")]
    pub list_input_per_million: Decimal,
    /// `monthly_cost` over every token billed (input, output and reasoning), per million.
    #[serde(serialize_with = "plain_decimal")]
    pub effective_blended_per_million: Decimal,
    /// Before the discount.
    #[serde(serialize_with = "plain_decimal")]
    pub on_demand_part: Decimal,
    /// Before the discount; zero when no batch listing priced any of the workload.
    #[serde(serialize_with = "plain_decimal")]
    pub batch_part: Decimal,
    #[serde(serialize_with = "plain_decimal")]
    pub discount_amount: Decimal,
    /// What input would have cost with no caching minus what it costs, after the discount.
    /// Negative when cache writes cost more than the reads save.
    #[serde(serialize_with = "plain_decimal")]
    pub cache_savings: Decimal,
    /// The bill with every request on demand minus the actual bill, after the discount.
    /// Zero when no batch listing was used; negative if the batch listing is dearer.
    #[serde(serialize_with = "plain_decimal")]
    pub batch_savings: Decimal,
    /// `min_prompt_tokens` of the on-demand long-context tier that applied.
    pub long_context_tier: Option<u64>,
    /// Why a batch share went on demand instead of to the batch listing; `None` when the
    /// batch listing took it or there was no batch share.
    pub batch_declined: Option<BatchDeclined>,
    pub lines: Vec<BillLine>,
    pub notes: Vec<String>,
    /// Whether the whole bill was worked out ([`Detail::Itemised`]); when false only `id`,
    /// `name`, `free`, `monthly_cost`, `long_context_tier` and `batch_declined` are.
    #[serde(skip)]
    pub itemised: bool,
}

impl MonthlyBill {
    /// Effective input price as a multiple of the list input price (the article's "0.37×");
    /// `None` when the list price is zero.
    pub fn input_vs_list(&self) -> Option<Decimal> {
        if self.list_input_per_million.is_zero() {
            return None;
        }
        self.effective_input_per_million
            .checked_div(self.list_input_per_million)
    }
}

/// Why a batch share is priced on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchDeclined {
    /// The model has no `:batch` listing.
    NoListing,
    /// The batch listing would cost more than on demand for this workload (or the same).
    NotCheaper,
    /// The batch listing's context window is smaller than one request.
    WindowTooSmall { window: u64, needed: u64 },
    /// The batch listing cannot be priced (variable or missing prices).
    Unpriceable(String),
}

impl std::fmt::Display for BatchDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchDeclined::NoListing => f.write_str("no batch listing: priced on demand"),
            BatchDeclined::NotCheaper => f.write_str(
                "the batch listing costs no less than on demand for this workload: \
                 the batch share is priced on demand",
            ),
            BatchDeclined::WindowTooSmall { window, needed } => write!(
                f,
                "the batch listing's context window ({} tokens) cannot hold one request \
                 ({} tokens): the batch share is priced on demand",
                group_thousands(*window),
                group_thousands(*needed)
            ),
            BatchDeclined::Unpriceable(why) => write!(
                f,
                "the batch listing cannot be priced ({why}): the batch share is priced on demand"
            ),
        }
    }
}

/// A model the calculator could not price, with a reason fit to show the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unpriced {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// Every model's bill for one workload, cheapest first (ties by id), and those left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalculatorResult {
    pub bills: Vec<MonthlyBill>,
    pub unpriced: Vec<Unpriced>,
}

impl CalculatorResult {
    /// The cheapest bill on a listing that is not free; free listings are not a useful
    /// yardstick.
    pub fn cheapest_paid(&self) -> Option<&MonthlyBill> {
        self.bills.iter().find(|b| !b.free)
    }

    /// `bill` as a multiple of the cheapest paid bill ("2.4× the cheapest"); `None` when no
    /// listing is paid or the cheapest paid bill is zero.
    pub fn times_cheapest(&self, bill: &MonthlyBill) -> Option<Decimal> {
        let cheapest = self.cheapest_paid()?;
        if cheapest.monthly_cost.is_zero() {
            return None;
        }
        bill.monthly_cost.checked_div(cheapest.monthly_cost)
    }
}

/// How much of a bill to work out. A page that shows 25 of 340 rows needs every row's cost
/// (to rank them and count them) but the rest of the bill for only the rows it shows;
/// [`Itemiser`] works the rest out afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Every figure, the lines and the notes.
    Itemised,
    /// The monthly cost, whether the listing is free, the tier and why a batch share stayed
    /// on demand; every other figure is zero and there are no lines or notes
    /// ([`MonthlyBill::itemised`] is false).
    Totals,
}

/// Prices `w` on `model`, sending the batch share to `batch_listing` (the model's `:batch`
/// listing) when there is one.
pub fn price_workload(
    w: &Workload,
    model: &Model,
    batch_listing: Option<&Model>,
) -> Result<MonthlyBill, NotPriceable> {
    w.validate()?;
    price_prepared(
        w,
        &Prepared::new(w)?,
        model,
        batch_listing,
        Detail::Itemised,
    )
}

/// Works out whole bills for those [`price_all_with`] priced as [`Detail::Totals`], for one
/// workload, which is checked and prepared once.
pub struct Itemiser<'w> {
    workload: &'w Workload,
    prepared: Prepared,
}

impl<'w> Itemiser<'w> {
    pub fn new(workload: &'w Workload) -> Result<Itemiser<'w>, NotPriceable> {
        workload.validate()?;
        Ok(Itemiser {
            workload,
            prepared: Prepared::new(workload)?,
        })
    }

    /// Prices the workload on `model`, sending the batch share to `batch_listing`, to
    /// `detail`: [`price_workload`] without checking and preparing the workload again.
    pub fn price(
        &self,
        model: &Model,
        batch_listing: Option<&Model>,
        detail: Detail,
    ) -> Result<MonthlyBill, NotPriceable> {
        price_prepared(self.workload, &self.prepared, model, batch_listing, detail)
    }

    /// Prices `bill` again on the same listings, itemised; a bill already itemised is left as
    /// it is. The monthly cost does not change: both levels share one computation. An error
    /// (an overflow in a figure the totals skip) leaves the bill as it was.
    pub fn itemise(
        &self,
        bill: &mut MonthlyBill,
        model: &Model,
        batch_listing: Option<&Model>,
    ) -> Result<(), NotPriceable> {
        if !bill.itemised {
            *bill = price_prepared(
                self.workload,
                &self.prepared,
                model,
                batch_listing,
                Detail::Itemised,
            )?;
        }
        Ok(())
    }
}

/// [`price_workload`] for a validated workload whose model-independent volumes are
/// already worked out, to the `detail` asked for.
fn price_prepared(
    w: &Workload,
    p: &Prepared,
    model: &Model,
    batch_listing: Option<&Model>,
    detail: Detail,
) -> Result<MonthlyBill, NotPriceable> {
    // Variable prices are refused below, and only where this workload uses them.
    let charging = model.charging();
    if charging == Charging::NotPerToken {
        return Err(NotPriceable::NotPerToken);
    }
    let itemised = detail == Detail::Itemised;
    let on_demand = Rates::resolve(&model.pricing, w, p.prompt_tokens, itemised)?;
    let mut notes = on_demand.notes.clone();
    let mut owned_lines = Vec::with_capacity(if itemised { 10 } else { 0 });
    let mut lines = itemised.then_some(&mut owned_lines);
    // The batch share goes to the batch listing only where that listing holds one request
    // and is cheaper for this workload; otherwise it stays on demand and the bill says why.
    let mut batch_declined = None;
    let mut batch = None;
    // A `:batch` listing priced as a row of its own (`separate=1`) is already the batch
    // price: its batch share needs no other listing, and there is nothing to decline.
    if !w.batch.is_zero() && model.variant != Variant::Batch {
        match batch_rates(w, p, &on_demand, batch_listing, itemised) {
            Ok(rates) => batch = Some(rates),
            Err(why) => batch_declined = Some(why),
        }
    }
    if let (Some(why), true) = (&batch_declined, itemised) {
        notes.push(why.to_string());
    }
    let (od, bt) = match &batch {
        Some((rates, bt)) => {
            let od = price_part(
                &p.on_demand,
                &on_demand,
                Part::OnDemand,
                lines.as_deref_mut(),
            )?;
            // The batch part was priced when the listing was weighed; again only for its lines.
            let bt = match lines {
                Some(lines) => price_part(&p.batch, rates, Part::Batch, Some(lines))?,
                None => *bt,
            };
            for note in &rates.notes {
                if !notes.contains(note) {
                    notes.push(format!("batch listing: {note}"));
                }
            }
            (od, bt)
        }
        None => (
            price_part(&p.whole, &on_demand, Part::OnDemand, lines)?,
            PartBill::default(),
        ),
    };

    let keep = p.keep;
    let subtotal = add(od.total, bt.total)?;
    let monthly = mul(subtotal, keep)?;
    let id = model.id.clone();
    let name = model.short_name().to_string();
    // `Model::is_free`, without working the charging out twice.
    let free = charging == Charging::Free;
    let long_context_tier = on_demand.tier;
    if !itemised {
        return Ok(MonthlyBill {
            id,
            name,
            free,
            monthly_cost: monthly,
            cost_per_request: Decimal::ZERO,
            effective_input_per_million: Decimal::ZERO,
            list_input_per_million: Decimal::ZERO,
            effective_blended_per_million: Decimal::ZERO,
            on_demand_part: Decimal::ZERO,
            batch_part: Decimal::ZERO,
            discount_amount: Decimal::ZERO,
            cache_savings: Decimal::ZERO,
            batch_savings: Decimal::ZERO,
            long_context_tier,
            batch_declined,
            lines: Vec::new(),
            notes: Vec::new(),
            itemised,
        });
    }
    let input_cost = mul(add(od.input, bt.input)?, keep)?;
    let input_at_list = mul(add(od.input_at_list, bt.input_at_list)?, keep)?;
    let batch_savings = if batch.is_some() {
        let all_on_demand = price_part(&p.whole, &on_demand, Part::OnDemand, None)?.total;
        sub(mul(all_on_demand, keep)?, monthly)?
    } else {
        Decimal::ZERO
    };

    let (tin, all_tokens) = (p.whole.tin, p.all_tokens);
    Ok(MonthlyBill {
        id,
        name,
        free,
        monthly_cost: monthly,
        cost_per_request: ratio(monthly, w.requests)?,
        effective_input_per_million: mul(ratio(input_cost, tin)?, MILLION)?,
        list_input_per_million: mul(on_demand.prompt, MILLION)?,
        effective_blended_per_million: mul(ratio(monthly, all_tokens)?, MILLION)?,
        on_demand_part: od.total,
        batch_part: bt.total,
        discount_amount: sub(subtotal, monthly)?,
        cache_savings: sub(input_at_list, input_cost)?,
        batch_savings,
        long_context_tier,
        batch_declined,
        lines: owned_lines,
        notes,
        itemised,
    })
}

/// The batch listing's rates for this workload's batch share, with what that share costs at
/// them (lines left out), or why the share stays on demand: no listing, one that cannot be
/// priced, one whose window is too small for a request, or one that costs no less than on
/// demand for this share.
fn batch_rates(
    w: &Workload,
    p: &Prepared,
    on_demand: &Rates,
    listing: Option<&Model>,
    with_notes: bool,
) -> Result<(Rates, PartBill), BatchDeclined> {
    let listing = listing.ok_or(BatchDeclined::NoListing)?;
    let needed = p.request_tokens;
    // A listing that states no window is taken to share its base model's, already checked.
    if let Some(window) = listing.context_length.filter(|window| *window < needed) {
        return Err(BatchDeclined::WindowTooSmall { window, needed });
    }
    let rates = Rates::resolve(&listing.pricing, w, p.prompt_tokens, with_notes)
        .map_err(|why| BatchDeclined::Unpriceable(why.to_string()))?;
    let at_batch = price_part(&p.batch, &rates, Part::Batch, None);
    let at_on_demand = price_part(&p.batch, on_demand, Part::Batch, None);
    match (at_batch, at_on_demand) {
        (Ok(batch), Ok(on_demand)) if batch.total < on_demand.total => Ok((rates, batch)),
        (Err(why), _) => Err(BatchDeclined::Unpriceable(why.to_string())),
        _ => Err(BatchDeclined::NotCheaper),
    }
}

/// What caching and batching save on one model, after the discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Savings {
    /// The bill with no caching and every request on demand.
    #[serde(serialize_with = "plain_decimal")]
    pub baseline: Decimal,
    /// `baseline − monthly_cost`: caching and batching together. Not always
    /// `cache + batch`, because each of those is measured with the other in place.
    #[serde(serialize_with = "plain_decimal")]
    pub total: Decimal,
    /// The bill's own `cache_savings`: caching, given the batch share.
    #[serde(serialize_with = "plain_decimal")]
    pub cache: Decimal,
    /// The bill's own `batch_savings`: batching, given the caching.
    #[serde(serialize_with = "plain_decimal")]
    pub batch: Decimal,
}

impl Savings {
    /// `total / baseline` (0.25 = a quarter off); `None` when the baseline is zero.
    pub fn share(&self) -> Option<Decimal> {
        if self.baseline.is_zero() {
            return None;
        }
        self.total.checked_div(self.baseline)
    }
}

/// What caching and batching save on `model` for `w`, given the `bill` that
/// [`price_workload`] produced for the same arguments.
pub fn savings(w: &Workload, model: &Model, bill: &MonthlyBill) -> Result<Savings, NotPriceable> {
    let baseline = price_workload(&w.without_caching_or_batch(), model, None)?.monthly_cost;
    Ok(Savings {
        baseline,
        total: sub(baseline, bill.monthly_cost)?,
        cache: bill.cache_savings,
        batch: bill.batch_savings,
    })
}

/// Prices `w` on every `(model, its batch listing)` pair. Models that cannot be priced are
/// listed in `unpriced` with the reason; an invalid workload fails as a whole.
pub fn price_all<'a>(
    w: &Workload,
    models: impl IntoIterator<Item = (&'a Model, Option<&'a Model>)>,
) -> Result<CalculatorResult, WorkloadError> {
    price_all_with(w, models, Detail::Itemised)
}

/// [`price_all`] to the `detail` asked for.
pub fn price_all_with<'a>(
    w: &Workload,
    models: impl IntoIterator<Item = (&'a Model, Option<&'a Model>)>,
    detail: Detail,
) -> Result<CalculatorResult, WorkloadError> {
    w.validate()?;
    let prepared = Prepared::new(w).map_err(|_| WorkloadError::TooLarge)?;
    let models = models.into_iter();
    let mut bills = Vec::with_capacity(models.size_hint().0);
    let mut unpriced = Vec::new();
    for (model, batch_listing) in models {
        match price_prepared(w, &prepared, model, batch_listing, detail) {
            Ok(bill) => bills.push(bill),
            Err(reason) => unpriced.push(Unpriced {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                reason: reason.to_string(),
            }),
        }
    }
    sort_cheapest_first(&mut bills);
    unpriced.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(CalculatorResult { bills, unpriced })
}

/// The calculator's order: cheapest first, ties by id (ids are unique, so the order is
/// total). A bill is a few hundred bytes, so the order is worked out on indices and each
/// bill moved once, instead of being swapped about by the sort.
///
/// Comparing two `Decimal`s of different scales rescales one of them, which made the sort a
/// third of the pricing time; so each cost is compared first as an `f64`. `to_f64` is within
/// a few units in the last place (~1e-16 relative), so two costs whose `f64`s differ by more
/// than 1e-12 of the larger are in that order exactly; closer ones are compared as decimals.
/// The comparison is therefore the exact order, and the order total.
pub fn sort_cheapest_first(bills: &mut [MonthlyBill]) {
    let approx: Vec<f64> = bills.iter().map(|b| approx_f64(b.monthly_cost)).collect();
    let mut order: Vec<usize> = (0..bills.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (fa, fb) = (approx[a], approx[b]);
        // False for a NaN, which falls through to the exact comparison.
        if (fa - fb).abs() > 1e-12 * fa.abs().max(fb.abs()) {
            return fa.total_cmp(&fb);
        }
        let (a, b) = (&bills[a], &bills[b]);
        a.monthly_cost
            .cmp(&b.monthly_cost)
            .then_with(|| a.id.cmp(&b.id))
    });
    permute(bills, order);
}

/// `value` as an `f64`, within a few units in the last place: the mantissa converted once
/// and divided by an exact power of ten (`Decimal::to_f64` rounds more carefully, and was
/// most of the sort's time).
fn approx_f64(value: Decimal) -> f64 {
    const POW10: [f64; 29] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28,
    ];
    match POW10.get(value.scale() as usize) {
        // An i128 of at most 96 bits: the `as` conversion rounds to the nearest f64.
        Some(pow) => value.mantissa() as f64 / pow,
        None => f64::NAN,
    }
}

/// Puts `items[order[k]]` at position `k`, in place, following each cycle of the
/// permutation (every item moved once, nothing allocated but `order` itself).
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        // `order[at] == at` marks a position already filled.
        while order[at] != start {
            let from = order[at];
            items.swap(at, from);
            order[at] = at;
            at = from;
        }
        order[at] = at;
    }
}

/// Pairs every listing that is not itself a `:batch` listing with the `:batch` listing of
/// the same base model, if the catalogue has one: the input `price_all` expects.
pub fn pair_batch_listings(models: &[Model]) -> Vec<(&Model, Option<&Model>)> {
    let batch_of: HashMap<&str, &Model> = models
        .iter()
        .filter(|m| m.variant == Variant::Batch)
        .map(|m| (m.base_id.as_str(), m))
        .collect();
    models
        .iter()
        .filter(|m| m.variant != Variant::Batch)
        .map(|m| (m, batch_of.get(m.id.as_str()).copied()))
        .collect()
}

/// The per-token (per-request for `request`) prices one listing charges for this workload,
/// with missing components already resolved to what they fall back to.
struct Rates {
    prompt: Decimal,
    completion: Decimal,
    cache_read: Decimal,
    cache_write: Decimal,
    reasoning: Decimal,
    request: Decimal,
    tier: Option<u64>,
    notes: Vec<String>,
}

impl Rates {
    /// With `with_notes` false, `notes` stays empty (no allocation for text not shown).
    fn resolve(
        pricing: &Pricing,
        w: &Workload,
        prompt_tokens: u64,
        with_notes: bool,
    ) -> Result<Rates, NotPriceable> {
        let (prices, tier) = pricing.for_prompt_borrowed(prompt_tokens);
        let prompt = required(prices.prompt, "input")?;
        let completion = required(prices.completion, "output")?;
        let mut notes = Vec::new();
        if let (Some(min), true) = (tier, with_notes) {
            notes.push(format!(
                "long-context tier applied (prompt ≥ {} tokens)",
                group_thousands(min)
            ));
        }
        let cache_read = cache_price(
            prices.input_cache_read,
            w.cache_hit,
            prompt,
            "no cache pricing: cached tokens billed as input",
            with_notes.then_some(&mut notes),
        )?;
        let cache_write = cache_price(
            prices.input_cache_write,
            w.cache_write,
            prompt,
            "no cache-write price: cache writes billed as input",
            with_notes.then_some(&mut notes),
        )?;
        // Providers that do not list reasoning separately bill it as output.
        let reasoning = if w.reasoning_tokens.is_zero() {
            completion
        } else {
            optional(prices.internal_reasoning)?.unwrap_or(completion)
        };
        let request = optional(prices.request)?.unwrap_or_default();
        Ok(Rates {
            prompt,
            completion,
            cache_read,
            cache_write,
            reasoning,
            request,
            tier,
            notes,
        })
    }
}

pub(crate) fn required(price: Option<Price>, what: &'static str) -> Result<Decimal, NotPriceable> {
    optional(price)?.ok_or(NotPriceable::NoPrice(what))
}

pub(crate) fn optional(price: Option<Price>) -> Result<Option<Decimal>, NotPriceable> {
    match price {
        None => Ok(None),
        Some(Price::Usd(value)) => Ok(Some(value)),
        Some(Price::Variable) => Err(NotPriceable::Variable),
    }
}

/// A cache price, or the input price when caching is not offered. Only a share that is
/// actually used can make the model unpriceable or earn a note.
fn cache_price(
    price: Option<Price>,
    share: Decimal,
    prompt: Decimal,
    note: &str,
    notes: Option<&mut Vec<String>>,
) -> Result<Decimal, NotPriceable> {
    if share.is_zero() {
        return Ok(price.and_then(Price::usd).unwrap_or(prompt));
    }
    match optional(price)? {
        Some(value) => Ok(value),
        None => {
            if let Some(notes) = notes {
                notes.push(note.to_string());
            }
            Ok(prompt)
        }
    }
}

/// One part (on demand or batch) of the bill, before the discount.
#[derive(Clone, Copy, Default)]
struct PartBill {
    total: Decimal,
    /// Uncached input, cache reads and cache writes.
    input: Decimal,
    /// What the same input would cost uncached.
    input_at_list: Decimal,
}

/// The requests and tokens of one share of the traffic. They depend on the workload alone,
/// so [`price_all`] works them out once rather than once per model.
#[derive(Clone, Copy)]
struct Volumes {
    requests: Decimal,
    tin: Decimal,
    uncached: Decimal,
    reads: Decimal,
    writes: Decimal,
    output: Decimal,
    reasoning: Decimal,
}

impl Volumes {
    fn of(w: &Workload, weight: Decimal) -> Result<Volumes, NotPriceable> {
        let requests = mul(w.requests, weight)?;
        let tin = mul(requests, w.input_tokens)?;
        let uncached_share = sub(sub(Decimal::ONE, w.cache_hit)?, w.cache_write)?;
        Ok(Volumes {
            requests,
            tin,
            uncached: mul(tin, uncached_share)?,
            reads: mul(tin, w.cache_hit)?,
            writes: mul(tin, w.cache_write)?,
            output: mul(requests, w.output_tokens)?,
            reasoning: mul(requests, w.reasoning_tokens)?,
        })
    }
}

/// Everything about a workload that does not depend on the model.
struct Prepared {
    /// All requests, for models without a batch listing and for the batch savings.
    whole: Volumes,
    /// The `1 − b` share, when a batch listing takes the rest.
    on_demand: Volumes,
    batch: Volumes,
    /// `1 − d`.
    keep: Decimal,
    /// Input, output and reasoning tokens in the month.
    all_tokens: Decimal,
    /// [`Workload::prompt_tokens`]: what selects a long-context tier.
    prompt_tokens: u64,
    /// [`Workload::request_tokens`]: the window one request needs.
    request_tokens: u64,
}

impl Prepared {
    fn new(w: &Workload) -> Result<Prepared, NotPriceable> {
        let whole = Volumes::of(w, Decimal::ONE)?;
        Ok(Prepared {
            whole,
            on_demand: Volumes::of(w, sub(Decimal::ONE, w.batch)?)?,
            batch: Volumes::of(w, w.batch)?,
            keep: sub(Decimal::ONE, w.discount)?,
            all_tokens: add(add(whole.tin, whole.output)?, whole.reasoning)?,
            prompt_tokens: w.prompt_tokens(),
            request_tokens: w.request_tokens(),
        })
    }
}

/// Prices one share of the traffic at `rates`, adding its lines to `lines` when given.
fn price_part(
    volumes: &Volumes,
    rates: &Rates,
    part: Part,
    mut lines: Option<&mut Vec<BillLine>>,
) -> Result<PartBill, NotPriceable> {
    let token_lines = [
        ("Uncached input", volumes.uncached, rates.prompt, true),
        ("Cache reads", volumes.reads, rates.cache_read, true),
        ("Cache writes", volumes.writes, rates.cache_write, true),
        ("Output", volumes.output, rates.completion, false),
        ("Reasoning", volumes.reasoning, rates.reasoning, false),
    ];

    let mut bill = PartBill {
        input_at_list: mul(volumes.tin, rates.prompt)?,
        ..PartBill::default()
    };
    for (label, quantity, price, is_input) in token_lines {
        if quantity.is_zero() {
            continue;
        }
        let amount = mul(quantity, price)?;
        bill.total = add(bill.total, amount)?;
        if is_input {
            bill.input = add(bill.input, amount)?;
        }
        if let Some(lines) = lines.as_deref_mut() {
            lines.push(BillLine {
                label,
                part,
                quantity,
                unit: LineUnit::Tokens,
                unit_price: mul(price, MILLION)?,
                amount,
            });
        }
    }
    if !volumes.requests.is_zero() && !rates.request.is_zero() {
        let amount = mul(volumes.requests, rates.request)?;
        bill.total = add(bill.total, amount)?;
        if let Some(lines) = lines {
            lines.push(BillLine {
                label: "Request fees",
                part,
                quantity: volumes.requests,
                unit: LineUnit::Requests,
                unit_price: rates.request,
                amount,
            });
        }
    }
    Ok(bill)
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    a.checked_mul(b).ok_or(NotPriceable::Overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    a.checked_add(b).ok_or(NotPriceable::Overflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    a.checked_sub(b).ok_or(NotPriceable::Overflow)
}

/// `a / b`, or zero when there is nothing to divide by (no requests, no tokens).
fn ratio(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    if b.is_zero() {
        return Ok(Decimal::ZERO);
    }
    a.checked_div(b).ok_or(NotPriceable::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::{PriceOverride, PriceSet};
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn prices(entries: &[(&str, &str)]) -> PriceSet {
        let mut set = PriceSet::default();
        for (key, value) in entries {
            set.set(key, Price::parse(value).unwrap());
        }
        set
    }

    /// A model with per-token prices written as OpenRouter writes them.
    fn model(id: &str, base: &[(&str, &str)]) -> Model {
        Model::new(
            id,
            &format!("Test: {id}"),
            Pricing {
                base: prices(base),
                overrides: vec![],
            },
        )
    }

    fn with_tier(mut m: Model, min: u64, tier: &[(&str, &str)]) -> Model {
        m.pricing.overrides.push(PriceOverride {
            min_prompt_tokens: Some(min),
            prices: prices(tier),
            ..Default::default()
        });
        m
    }

    fn workload(requests: &str, input: &str, output: &str) -> Workload {
        Workload {
            requests: d(requests),
            input_tokens: d(input),
            output_tokens: d(output),
            ..Workload::default()
        }
    }

    /// (label, part, quantity, unit price, amount) of every line, for compact assertions.
    fn lines(bill: &MonthlyBill) -> Vec<(&str, Part, Decimal, Decimal, Decimal)> {
        bill.lines
            .iter()
            .map(|l| (l.label, l.part, l.quantity, l.unit_price, l.amount))
            .collect()
    }

    fn sonnet() -> Model {
        model(
            "anthropic/sonnet",
            &[("prompt", "0.000003"), ("completion", "0.000015")],
        )
    }

    fn sonnet_batch() -> Model {
        model(
            "anthropic/sonnet:batch",
            &[("prompt", "0.0000015"), ("completion", "0.0000075")],
        )
    }

    #[test]
    fn totals_are_the_itemised_cost_and_itemise_works_out_the_whole_bill() {
        // Sonnet with 40 % cache hits (no cache price: a note), half the traffic in batch on
        // its cheaper `:batch` listing: the cost is the same at both levels, and itemising
        // the totals gives the itemised bill exactly.
        let w = Workload {
            cache_hit: d("0.4"),
            batch: d("0.5"),
            ..workload("1000", "2000", "300")
        };
        let (base, batch) = (sonnet(), sonnet_batch());
        let full = price_all(&w, [(&base, Some(&batch))]).unwrap();
        let totals = price_all_with(&w, [(&base, Some(&batch))], Detail::Totals).unwrap();
        let (full, mut bare) = (full.bills[0].clone(), totals.bills[0].clone());
        assert!(full.itemised && !full.lines.is_empty() && !full.notes.is_empty());
        assert!(!bare.itemised && bare.lines.is_empty() && bare.notes.is_empty());
        // The totals are the itemised bill's own figures, not worked out another way.
        assert_eq!(
            (&bare.id, &bare.name, bare.free, bare.monthly_cost),
            (&full.id, &full.name, full.free, full.monthly_cost)
        );
        assert_eq!(
            (bare.long_context_tier, &bare.batch_declined),
            (full.long_context_tier, &full.batch_declined)
        );
        assert!(full.batch_part > Decimal::ZERO && bare.batch_part.is_zero());
        Itemiser::new(&w)
            .unwrap()
            .itemise(&mut bare, &base, Some(&batch))
            .unwrap();
        assert_eq!(bare, full);
    }

    proptest::proptest! {
        /// The fast comparison is the exact one: costs drawn close together (same digits,
        /// other scales, one unit apart in the last place) sort as `Decimal::cmp` sorts them.
        #[test]
        fn sort_cheapest_first_is_the_exact_decimal_order(
            costs in proptest::collection::vec((0u64..2_000, 0u32..3, 0i64..3), 1..60)
        ) {
            let template = price_workload(&workload("1", "1", "1"), &sonnet(), None).unwrap();
            let mut bills: Vec<MonthlyBill> = costs
                .iter()
                .enumerate()
                .map(|(i, &(digits, extra_scale, nudge))| {
                    // e.g. 1.234567890123456789 and 1.2345678901234567890 (equal), or one
                    // unit of the 19th decimal apart: far closer than an f64 can tell.
                    let base = Decimal::from_i128_with_scale(
                        i128::from(digits) * 1_000_000_000_000_000_000 + i128::from(nudge),
                        18,
                    );
                    let mut cost = base;
                    cost.rescale(18 + extra_scale);
                    MonthlyBill {
                        id: format!("m/{:03}", (i * 37) % 101),
                        monthly_cost: cost,
                        ..template.clone()
                    }
                })
                .collect();
            let mut expected: Vec<(Decimal, String)> =
                bills.iter().map(|b| (b.monthly_cost, b.id.clone())).collect();
            expected.sort();
            sort_cheapest_first(&mut bills);
            let got: Vec<(Decimal, String)> =
                bills.iter().map(|b| (b.monthly_cost, b.id.clone())).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_batch_listing_priced_as_its_own_row_declines_nothing() {
        // Half the traffic in batch, on the `:batch` listing itself ($1.50/$7.50): every
        // request at its own prices, 1,000 × (2,000 × $1.50 + 300 × $7.50) / 1M = $5.25.
        let w = Workload {
            batch: d("0.5"),
            ..workload("1000", "2000", "300")
        };
        let bill = price_workload(&w, &sonnet_batch(), None).unwrap();
        assert_eq!(bill.monthly_cost, d("5.25"));
        assert_eq!(bill.batch_declined, None);
        assert!(bill.notes.is_empty(), "{:?}", bill.notes);
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        // Position k takes the item at order[k]: two cycles (0 2 4) (1 3) and a fixed 5.
        let mut items = ['a', 'b', 'c', 'd', 'e', 'f'];
        permute(&mut items, vec![2, 3, 4, 1, 0, 5]);
        assert_eq!(items, ['c', 'd', 'e', 'b', 'a', 'f']);
    }

    #[test]
    fn sort_cheapest_first_orders_by_cost_then_id() {
        let w = workload("1000", "1000", "100");
        let cheap = model(
            "z/cheap",
            &[("prompt", "0.000001"), ("completion", "0.000001")],
        );
        let tie = model(
            "a/tie",
            &[("prompt", "0.000001"), ("completion", "0.000001")],
        );
        let dear = sonnet();
        let mut bills: Vec<MonthlyBill> = [&dear, &cheap, &tie]
            .into_iter()
            .map(|m| price_workload(&w, m, None).unwrap())
            .collect();
        sort_cheapest_first(&mut bills);
        let ids: Vec<&str> = bills.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["a/tie", "z/cheap", "anthropic/sonnet"]);
    }

    #[test]
    fn article_check_seventy_percent_hits_at_a_tenth_cost_037_of_list() {
        let m = model(
            "x/cached",
            &[
                ("prompt", "0.000005"),
                ("input_cache_read", "0.0000005"),
                ("completion", "0.00002"),
            ],
        );
        let w = Workload {
            cache_hit: d("0.7"),
            ..workload("1000", "10000", "0")
        };
        let bill = price_workload(&w, &m, None).unwrap();
        // Tin = 10M: 3M uncached at $5/M = 15, 7M reads at $0.50/M = 3.5.
        assert_eq!(bill.monthly_cost, d("18.5"));
        assert_eq!(bill.effective_input_per_million, d("1.85"));
        assert_eq!(bill.input_vs_list(), Some(d("0.37")));
        assert_eq!(bill.cache_savings, d("31.5"));
        assert!(bill.notes.is_empty());
    }

    #[test]
    fn long_context_tier_applies_from_its_threshold_not_one_below() {
        let m = with_tier(
            model(
                "openai/gpt",
                &[("prompt", "0.00000125"), ("completion", "0.00001")],
            ),
            272_000,
            &[("prompt", "0.0000025"), ("completion", "0.000015")],
        );
        let below = price_workload(&workload("10", "271999", "1000"), &m, None).unwrap();
        // 2,719,990 × $1.25/M + 10,000 × $10/M
        assert_eq!(below.monthly_cost, d("3.4999875"));
        assert_eq!(below.long_context_tier, None);
        assert!(below.notes.is_empty());

        let at = price_workload(&workload("10", "272000", "1000"), &m, None).unwrap();
        // 2,720,000 × $2.50/M + 10,000 × $15/M
        assert_eq!(at.monthly_cost, d("6.95"));
        assert_eq!(at.long_context_tier, Some(272_000));
        assert_eq!(at.list_input_per_million, d("2.5"));
        assert_eq!(
            at.notes,
            vec!["long-context tier applied (prompt ≥ 272,000 tokens)"]
        );
    }

    #[test]
    fn batch_share_is_priced_at_the_batch_listing() {
        let w = Workload {
            batch: d("0.4"),
            ..workload("1000", "2000", "500")
        };
        let bill = price_workload(&w, &sonnet(), Some(&sonnet_batch())).unwrap();
        // All on demand: 2M × $3/M + 0.5M × $15/M = 13.5; all batch: 6.75.
        assert_eq!(bill.on_demand_part, d("8.1"));
        assert_eq!(bill.batch_part, d("2.7"));
        assert_eq!(bill.monthly_cost, d("10.8"));
        assert_eq!(bill.batch_savings, d("2.7"));
        assert_eq!(bill.cost_per_request, d("0.0108"));
        // Serialised amounts carry no trailing zeros from the exact products.
        let json = serde_json::to_value(&bill).unwrap();
        assert_eq!(json["monthly_cost"], "10.8");
        assert_eq!(json["lines"][0]["quantity"], "1200000");
        assert_eq!(
            lines(&bill),
            vec![
                (
                    "Uncached input",
                    Part::OnDemand,
                    d("1200000"),
                    d("3"),
                    d("3.6")
                ),
                ("Output", Part::OnDemand, d("300000"), d("15"), d("4.5")),
                (
                    "Uncached input",
                    Part::Batch,
                    d("800000"),
                    d("1.5"),
                    d("1.2")
                ),
                ("Output", Part::Batch, d("200000"), d("7.5"), d("1.5")),
            ]
        );
        assert!(bill.notes.is_empty());
    }

    #[test]
    fn without_a_batch_listing_everything_is_on_demand_and_says_so() {
        let w = Workload {
            batch: d("0.4"),
            ..workload("1000", "2000", "500")
        };
        let bill = price_workload(&w, &sonnet(), None).unwrap();
        assert_eq!(bill.monthly_cost, d("13.5"));
        assert_eq!(bill.batch_part, Decimal::ZERO);
        assert_eq!(bill.batch_savings, Decimal::ZERO);
        assert_eq!(bill.notes, vec!["no batch listing: priced on demand"]);
    }

    #[test]
    fn discount_comes_off_the_whole_bill_including_the_batch_part() {
        let w = Workload {
            batch: d("0.4"),
            discount: d("0.25"),
            ..workload("1000", "2000", "500")
        };
        let bill = price_workload(&w, &sonnet(), Some(&sonnet_batch())).unwrap();
        assert_eq!(bill.monthly_cost, d("8.1")); // 10.8 × 0.75
        assert_eq!(bill.discount_amount, d("2.7"));
        assert_eq!(bill.batch_savings, d("2.025")); // 13.5 × 0.75 − 8.1
        // Input paid: (3.6 + 1.2) × 0.75 = 3.6 over 2M tokens.
        assert_eq!(bill.effective_input_per_million, d("1.8"));
    }

    #[test]
    fn missing_cache_prices_fall_back_to_input_with_notes() {
        let plain = model(
            "x/plain",
            &[("prompt", "0.000002"), ("completion", "0.000008")],
        );
        let w = Workload {
            cache_hit: d("0.5"),
            cache_write: d("0.2"),
            ..workload("100", "10000", "0")
        };
        let bill = price_workload(&w, &plain, None).unwrap();
        assert_eq!(bill.monthly_cost, d("2")); // 1M × $2/M, caching or not
        assert_eq!(bill.cache_savings, Decimal::ZERO);
        assert_eq!(
            lines(&bill),
            vec![
                (
                    "Uncached input",
                    Part::OnDemand,
                    d("300000"),
                    d("2"),
                    d("0.6")
                ),
                ("Cache reads", Part::OnDemand, d("500000"), d("2"), d("1.0")),
                (
                    "Cache writes",
                    Part::OnDemand,
                    d("200000"),
                    d("2"),
                    d("0.4")
                ),
            ]
        );
        assert_eq!(
            bill.notes,
            vec![
                "no cache pricing: cached tokens billed as input",
                "no cache-write price: cache writes billed as input"
            ]
        );

        let no_hits = price_workload(&workload("100", "10000", "0"), &plain, None).unwrap();
        assert!(no_hits.notes.is_empty());
    }

    #[test]
    fn listed_cache_prices_are_used_and_writes_can_cost_more_than_input() {
        let m = model(
            "x/cache",
            &[
                ("prompt", "0.000002"),
                ("completion", "0.000008"),
                ("input_cache_read", "0.0000002"),
                ("input_cache_write", "0.0000025"),
            ],
        );
        let w = Workload {
            cache_hit: d("0.5"),
            cache_write: d("0.2"),
            ..workload("100", "10000", "0")
        };
        let bill = price_workload(&w, &m, None).unwrap();
        // 0.3M × $2/M + 0.5M × $0.20/M + 0.2M × $2.50/M
        assert_eq!(bill.monthly_cost, d("1.2"));
        assert_eq!(bill.cache_savings, d("0.8"));
        assert!(bill.notes.is_empty());
    }

    #[test]
    fn request_fees_are_charged_per_request() {
        let m = model(
            "x/fee",
            &[
                ("prompt", "0.000001"),
                ("completion", "0.000002"),
                ("request", "0.005"),
            ],
        );
        let bill = price_workload(&workload("2000", "500", "250"), &m, None).unwrap();
        // $1 input + $1 output + 2000 × $0.005
        assert_eq!(bill.monthly_cost, d("12"));
        assert_eq!(bill.cost_per_request, d("0.006"));
        assert_eq!(bill.effective_blended_per_million, d("8")); // $12 over 1.5M tokens
        assert_eq!(
            lines(&bill).last(),
            Some(&(
                "Request fees",
                Part::OnDemand,
                d("2000"),
                d("0.005"),
                d("10")
            ))
        );
    }

    #[test]
    fn reasoning_uses_the_reasoning_price_else_the_output_price() {
        let listed = model(
            "x/thinker",
            &[
                ("prompt", "0.000001"),
                ("completion", "0.00001"),
                ("internal_reasoning", "0.000004"),
            ],
        );
        let unlisted = model(
            "x/plain",
            &[("prompt", "0.000001"), ("completion", "0.00001")],
        );
        let w = Workload {
            reasoning_tokens: d("1000"),
            ..workload("100", "1000", "100")
        };
        // 0.1M × $1/M + 0.01M × $10/M + 0.1M reasoning × $4/M or $10/M
        let bill = price_workload(&w, &listed, None).unwrap();
        assert_eq!(bill.monthly_cost, d("0.6"));
        assert_eq!(
            lines(&bill).last(),
            Some(&("Reasoning", Part::OnDemand, d("100000"), d("4"), d("0.4")))
        );
        assert_eq!(
            price_workload(&w, &unlisted, None).unwrap().monthly_cost,
            d("1.2")
        );
    }

    #[test]
    fn variable_or_missing_prices_are_not_priced_but_unused_ones_do_not_matter() {
        let w = workload("10", "100", "100");
        let router = model("openrouter/auto", &[("prompt", "-1"), ("completion", "-1")]);
        assert_eq!(
            price_workload(&w, &router, None),
            Err(NotPriceable::Variable)
        );
        let no_output = model("x/embed", &[("prompt", "0.000001")]);
        assert_eq!(
            price_workload(&w, &no_output, None),
            Err(NotPriceable::NoPrice("output"))
        );

        let variable_cache = model(
            "x/vc",
            &[
                ("prompt", "0.000001"),
                ("completion", "0.000001"),
                ("input_cache_read", "-1"),
            ],
        );
        assert!(price_workload(&w, &variable_cache, None).is_ok());
        let hits = Workload {
            cache_hit: d("0.1"),
            ..w.clone()
        };
        assert_eq!(
            price_workload(&hits, &variable_cache, None),
            Err(NotPriceable::Variable)
        );
        // A broken batch listing only matters when batch traffic is sent to it.
        assert!(price_workload(&w, &sonnet(), Some(&router)).is_ok());
    }

    #[test]
    fn invalid_workloads_are_refused() {
        let base = workload("10", "100", "100");
        let cases = [
            Workload {
                cache_hit: d("0.8"),
                cache_write: d("0.3"),
                ..base.clone()
            },
            Workload {
                batch: d("1.01"),
                ..base.clone()
            },
            Workload {
                requests: d("-1"),
                ..base.clone()
            },
            Workload {
                requests: Decimal::MAX,
                input_tokens: Decimal::MAX,
                ..base.clone()
            },
        ];
        for w in cases {
            assert!(w.validate().is_err(), "{w:?}");
            assert!(matches!(
                price_workload(&w, &sonnet(), None),
                Err(NotPriceable::Workload(_))
            ));
            assert!(price_all(&w, [(&sonnet(), None)]).is_err());
        }
    }

    #[test]
    fn huge_but_valid_volumes_overflow_into_an_error() {
        let w = workload("79228162514264337593543950335", "1", "0");
        let dear = model("x/dear", &[("prompt", "1000"), ("completion", "1")]);
        assert_eq!(price_workload(&w, &dear, None), Err(NotPriceable::Overflow));
    }

    #[test]
    fn price_all_sorts_cheapest_first_and_lists_the_unpriced() {
        let w = Workload {
            batch: d("0.4"),
            ..workload("1000", "2000", "500")
        };
        let free = model("x/free:free", &[("prompt", "0"), ("completion", "0")]);
        let twin = model(
            "a/twin",
            &[("prompt", "0.000003"), ("completion", "0.000015")],
        );
        let router = model("openrouter/auto", &[("prompt", "-1"), ("completion", "-1")]);
        let (sonnet, batch) = (sonnet(), sonnet_batch());
        let result = price_all(
            &w,
            [
                (&twin, None),
                (&router, None),
                (&sonnet, Some(&batch)),
                (&free, None),
            ],
        )
        .unwrap();
        let order: Vec<(&str, Decimal)> = result
            .bills
            .iter()
            .map(|b| (b.id.as_str(), b.monthly_cost))
            .collect();
        assert_eq!(
            order,
            vec![
                ("x/free:free", d("0")),
                ("anthropic/sonnet", d("10.8")),
                ("a/twin", d("13.5")),
            ]
        );
        let ratios: Vec<Option<Decimal>> = result
            .bills
            .iter()
            .map(|b| result.times_cheapest(b))
            .collect();
        assert_eq!(ratios, vec![Some(d("0")), Some(d("1")), Some(d("1.25"))]);
        assert_eq!(result.unpriced.len(), 1);
        assert_eq!(result.unpriced[0].id, "openrouter/auto");
        assert!(result.unpriced[0].reason.starts_with("variable pricing"));
    }

    #[test]
    fn batch_listings_are_paired_with_their_base_and_not_listed_alone() {
        let models = vec![sonnet(), sonnet_batch(), model("x/solo", &[])];
        let pairs: Vec<(&str, Option<&str>)> = pair_batch_listings(&models)
            .into_iter()
            .map(|(m, b)| (m.id.as_str(), b.map(|b| b.id.as_str())))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("anthropic/sonnet", Some("anthropic/sonnet:batch")),
                ("x/solo", None)
            ]
        );
    }

    #[test]
    fn savings_compare_with_no_caching_and_everything_on_demand() {
        let cached = |id: &str, prompt: &str, read: &str| {
            model(
                id,
                &[
                    ("prompt", prompt),
                    ("completion", "0.00001"),
                    ("input_cache_read", read),
                ],
            )
        };
        let on_demand = cached("x/m", "0.000004", "0.0000004");
        let batch = cached("x/m:batch", "0.000002", "0.0000002");
        let w = Workload {
            cache_hit: d("0.5"),
            batch: d("0.5"),
            discount: d("0.2"),
            ..workload("1000", "1000", "100")
        };
        let bill = price_workload(&w, &on_demand, Some(&batch)).unwrap();
        // Per part of 500 requests: 0.25M uncached + 0.25M reads + 0.05M output.
        // On demand: 1 + 0.1 + 0.5 = 1.6; batch: 0.5 + 0.05 + 0.5 = 1.05; × 0.8 = 2.12.
        assert_eq!(bill.monthly_cost, d("2.12"));
        // No caching, all on demand: 1M × $4/M + 0.1M × $10/M = 5, × 0.8 = 4.
        let saved = savings(&w, &on_demand, &bill).unwrap();
        assert_eq!(saved.baseline, d("4"));
        assert_eq!(saved.total, d("1.88"));
        assert_eq!(saved.share(), Some(d("0.47")));
        // Caching given batching: (1 + 0.5 − 0.1 − 0.05) × 0.8 = 1.08; batching given
        // caching: (2 × 1.6 − 2.65) × 0.8 = 0.44. Together they overstate the 1.88.
        assert_eq!(saved.cache, d("1.08"));
        assert_eq!(saved.batch, d("0.44"));

        // One request of no tokens costs nothing, so there is no share to show.
        let idle = workload("1", "0", "0");
        let free_bill = price_workload(&idle, &on_demand, None).unwrap();
        assert_eq!(
            savings(&idle, &on_demand, &free_bill).unwrap().share(),
            None
        );
    }

    // Property tests use prices and shares with few decimal places so that every product is
    // exact and the properties can be checked with `==`/`<=` rather than tolerances.

    /// Up to $100/M, in steps of $0.001/M.
    fn token_price() -> impl Strategy<Value = Decimal> {
        (0i64..=100_000).prop_map(|n| Decimal::new(n, 9))
    }

    fn share() -> impl Strategy<Value = Decimal> {
        (0i64..=100).prop_map(|p| Decimal::new(p, 2))
    }

    /// A price set whose cache reads never cost more than its input.
    fn price_set() -> impl Strategy<Value = PriceSet> {
        (
            token_price(),
            token_price(),
            proptest::option::of(0i64..=100),
            proptest::option::of(100i64..=200),
            proptest::option::of(token_price()),
            proptest::option::of((0i64..=10_000).prop_map(|n| Decimal::new(n, 6))),
        )
            .prop_map(|(prompt, completion, read, write, reasoning, request)| {
                let percent_of_prompt = |p: i64| Price::Usd(prompt * Decimal::new(p, 2));
                PriceSet {
                    prompt: Some(Price::Usd(prompt)),
                    completion: Some(Price::Usd(completion)),
                    input_cache_read: read.map(percent_of_prompt),
                    input_cache_write: write.map(percent_of_prompt),
                    internal_reasoning: reasoning.map(Price::Usd),
                    request: request.map(Price::Usd),
                    ..PriceSet::default()
                }
            })
    }

    fn pricing() -> impl Strategy<Value = Pricing> {
        (
            price_set(),
            proptest::option::of((1u64..=300_000, price_set())),
        )
            .prop_map(|(base, tier)| Pricing {
                base,
                overrides: tier
                    .into_iter()
                    .map(|(min, prices)| PriceOverride {
                        min_prompt_tokens: Some(min),
                        prices,
                        ..Default::default()
                    })
                    .collect(),
            })
    }

    fn listing() -> impl Strategy<Value = (Model, Option<Model>)> {
        (pricing(), proptest::option::of(pricing())).prop_map(|(on_demand, batch)| {
            let mut m = model("p/model", &[]);
            m.pricing = on_demand;
            let b = batch.map(|pricing| {
                let mut b = model("p/model:batch", &[]);
                b.pricing = pricing;
                b
            });
            (m, b)
        })
    }

    /// Requests start at 1 and the discount stops short of 100 %: `validate` refuses the rest.
    fn any_workload() -> impl Strategy<Value = Workload> {
        (
            1i64..=10_000_000,
            0i64..=400_000,
            0i64..=50_000,
            share(),
            share(),
            share(),
            (0i64..=99).prop_map(|p| Decimal::new(p, 2)),
            0i64..=20_000,
        )
            .prop_map(|(r, i, o, h, cw, b, disc, reasoning)| Workload {
                requests: r.into(),
                input_tokens: i.into(),
                output_tokens: o.into(),
                cache_hit: h,
                cache_write: cw.min(Decimal::ONE - h),
                batch: b,
                discount: disc,
                reasoning_tokens: reasoning.into(),
            })
    }

    fn cost(w: &Workload, (m, b): &(Model, Option<Model>)) -> Decimal {
        price_workload(w, m, b.as_ref()).unwrap().monthly_cost
    }

    proptest! {
        #[test]
        fn more_requests_never_cost_less(
            l in listing(), w in any_workload(), extra in 0i64..=1_000_000
        ) {
            let more = Workload { requests: w.requests + Decimal::from(extra), ..w.clone() };
            prop_assert!(cost(&w, &l) <= cost(&more, &l));
        }

        #[test]
        fn a_higher_hit_rate_never_costs_more(
            l in listing(), w in any_workload(), a in share(), b in share()
        ) {
            // Tiers overlay the base, so a tier's input price can undercut a base cache price.
            let tokens = w.prompt_tokens();
            let reads_are_cheaper = |pricing: &Pricing| {
                let (set, _) = pricing.for_prompt(tokens);
                set.input_cache_read.is_none_or(|read| read.usd() <= set.prompt.and_then(Price::usd))
            };
            prop_assume!(reads_are_cheaper(&l.0.pricing));
            prop_assume!(l.1.as_ref().is_none_or(|b| reads_are_cheaper(&b.pricing)));
            let (low, high) = (a.min(b), a.max(b));
            let cache_write = w.cache_write.min(Decimal::ONE - high);
            let at = |h| Workload { cache_hit: h, cache_write, ..w.clone() };
            prop_assert!(cost(&at(high), &l) <= cost(&at(low), &l));
        }

        #[test]
        fn the_discount_scales_the_bill_linearly(l in listing(), w in any_workload()) {
            let full = cost(&Workload { discount: Decimal::ZERO, ..w.clone() }, &l);
            let discounted = cost(&w, &l);
            let expected = (Decimal::ONE - w.discount) * full;
            prop_assert!((discounted - expected).abs() <= Decimal::new(1, 20));
        }

        #[test]
        fn no_tokens_and_no_fees_cost_nothing(l in listing(), w in any_workload()) {
            let mut no_fees = l.clone();
            for m in std::iter::once(&mut no_fees.0).chain(no_fees.1.as_mut()) {
                m.pricing.base.request = None;
                for tier in &mut m.pricing.overrides {
                    tier.prices.request = None;
                }
            }
            let empty = Workload {
                input_tokens: Decimal::ZERO,
                output_tokens: Decimal::ZERO,
                reasoning_tokens: Decimal::ZERO,
                ..w
            };
            prop_assert_eq!(cost(&empty, &no_fees), Decimal::ZERO);
        }

        #[test]
        fn the_itemisation_adds_up(l in listing(), w in any_workload()) {
            let bill = price_workload(&w, &l.0, l.1.as_ref()).unwrap();
            let sum: Decimal = bill.lines.iter().map(|line| line.amount).sum();
            prop_assert_eq!(sum, bill.on_demand_part + bill.batch_part);
            prop_assert_eq!(
                bill.monthly_cost,
                bill.on_demand_part + bill.batch_part - bill.discount_amount
            );
            if l.1.is_none() || w.batch.is_zero() {
                prop_assert!(bill.lines.iter().all(|line| line.part == Part::OnDemand));
            }
        }

        #[test]
        fn a_batch_share_never_costs_more_than_on_demand(l in listing(), w in any_workload()) {
            let bill = price_workload(&w, &l.0, l.1.as_ref()).unwrap();
            let on_demand = cost(&Workload { batch: Decimal::ZERO, ..w.clone() }, &(l.0.clone(), None));
            prop_assert!(bill.monthly_cost <= on_demand);
            prop_assert!(bill.batch_savings >= Decimal::ZERO);
            // A batch share either went to the batch listing or the bill says why not.
            if !w.batch.is_zero() {
                let batch_lines = bill.lines.iter().any(|line| line.part == Part::Batch);
                prop_assert_eq!(batch_lines, bill.batch_declined.is_none());
            }
        }
    }
}
