/* query.c — the query language: one UTF-8 line in, a flat list of clauses out.
 *
 * Grammar (items are separated by white space, Unicode spaces and
 * directional marks included, see space_len; anything else is a word;
 * two items the analyzer reads as one word, 15 % or عبد الله, are one item,
 * and so are a number and the words of a percentage, 15 في المائة, the word
 * 15%, see joined_item_end):
 *   word          ranked, OR-ed with the other words (SHOULD)
 *   +item         required (MUST)          -item    excluded (NOT)
 *                 one operator per item: ++x is +x, +-x (-+x, -title:+x)
 *                 an error; a sign with nothing after it is punctuation
 *   "a b c"       exact phrase: the words at consecutive positions of one
 *                 field; an unbalanced quote runs to the end of the query;
 *                 “ and ” are quotes too (quote_len), « » are not
 *   field:item    the item must match in that analyzed field (names from the
 *                 index metadata, ASCII case-insensitive); an unknown name
 *                 leaves the item as plain text; a known one with nothing
 *                 after it (title: at the end or before a space) is an
 *                 error; the operator may follow it (title:-x is -title:x);
 *                 a second known name (title:text:x) is an error
 *   word*         prefix: the dictionary terms starting with the word's stem,
 *                 OR-ed as ONE clause (see exec.c for the expansion cap); an
 *                 article and one letter (الش*) also walks the letter (ش*);
 *                 after a mixed word (R1*), on its last part (below); quoted
 *                 alone ("x*") the same, inside a phrase of two or more
 *                 words an error (parse_phrase)
 * Combinations nest in that order: +title:"a b", -text:foo*.
 *
 * Every word goes through the index's analyzer, so a query word is matched by
 * its stem (والشركات finds الشركات). A mixed token (DeepSeek-R1, R1, GPT-4o:
 * two or more parts, docs/ANALYSIS.md) is one MIXED clause that matches its
 * whole term OR the phrase of its parts (R1 -> "r 1", which the index holds
 * in a row wherever DeepSeek-R1 or R1 was written), ranked, +required and
 * -excluded alike; it counts as one word. Its parts are not clauses of their
 * own. A token with one part and a % (4%) is matched whole only: its one
 * part is the bare number. In a "phrase" of two or more words a mixed token
 * is its whole term; quoted alone ("R1") it is the word unquoted. A '*'
 * after a mixed word (R1*) is on its last part: the whole term OR the parts
 * in a row, the last one a prefix (r 1*: R10, DeepSeek-R1).
 * Stop words are dropped from the ranked OR part unless nothing but stop words
 * is left; inside phrases, and when required or excluded, they are kept.
 *
 * Tense variants: headlines put verbs in the present (يعلن، تطلق، يفتتح) where
 * the articles under them use the past (أعلن، أطلقت، افتتح), and light10,
 * which strips no verb affix, keeps the two apart. So a ranked or required
 * word whose stem opens with the imperfect prefix ي or ت also scores, at
 * tense_weight (fh_rank_params), by the most frequent of its candidate past
 * stems found in the index (tense_variant below). The candidates are built
 * by rule, so a noun can get one too (تقرير -> قرير); the low weight and the
 * df floor keep such a look-alike from deciding a ranking. Indexes with
 * alternative stems (light10+sb) do not get variants: Snowball's stem is
 * their second representation.
 *
 * Country readings: headlines name the country (روسيا، تركيا، سوريا) where
 * the articles under them often have only its adjective (الروسية، التركي),
 * which light10 stems apart (روسيا vs روس). So a ranked or required word
 * whose stem is a country's name (fh_analyzer_country_adjective) also
 * scores, like a tense variant and at tense_weight, by its adjective's stem,
 * when the index holds it in at least a fifth as many documents. One way
 * only: an adjective's stem is often a word of its own too (ترك, left; سور,
 * a wall), and reading the name into it gained nothing measurable. Not in a
 * question: there the article about the country is wanted, and the readings
 * lowered ARCD (bench/RESULTS.md, part 27). A country reading takes the
 * place of a tense variant (تركيا).
 *
 * Madda readings: analyzers 1.6+ keep آ before ل (آلاف, آلية, آلة), where
 * light10 would take آل for the article, but a user often types the word
 * without the madda (الاف, الالية, الة), and that stems as the article + the
 * rest (اف, يه, اله). So a ranked or required word typed with ال in its first
 * letters, its ا bare (not أ or إ: الإله, the god, is no الآلة), also
 * matches, at full weight, by the stem of the word with that ا
 * written آ, when the analyzer keeps the madda in that stem and the index
 * holds it in at least a fifth as many documents as the word's own stem
 * (spell_variant below): الاف finds آلاف, and الان (now) does not turn into
 * آلان (Alain). The reading is an alternative stem of its word (it takes
 * the place of a light10+sb index's Snowball stem, which is the stem of the
 * misread word): it adds to the ranking, takes part in proximity for a
 * document without the typed form, and is highlighted, but a +word still
 * requires the form typed. A word typed with the madda matches that form only.
 *
 * A query whose first or second word is an interrogative (ما، من، متى، كم،
 * ...; QUESTION_WORDS) is flagged as a question, the words counted and the
 * interrogative taken from those not excluded (-من asks nothing, and the
 * query reads the same wherever it is put): a question does not follow
 * its answer's word order, so the re-rank's query-order bonus is off for it.
 * In a question, the ranked words that name the kind of answer asked for
 * (ANSWER_WORDS: ما اسم ..., ما عدد ..., بماذا يسمى ...) say nothing of
 * what the answer is about, and most answering texts lack them: their idf
 * is scaled by answer_type_weight (fh_rank_params).
 *
 * Limits: at most max_terms words (phrase words and prefixes included) are
 * accepted; a longer query is refused with FH_ELIMIT and a message naming the
 * limit. Refusing is deterministic and visible, where silent truncation
 * would rank on a query the user did not write. Invalid UTF-8 is FH_EINPUT;
 * a query of white space only (Unicode's, and what the analyzer drops: a
 * BOM, the directional marks) FH_EEMPTY, the protocol's empty_query; one
 * with no searchable word FH_ESYNTAX.
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* The directional marks: ALM, LRM, RLM, the embeddings and isolates. */
static bool is_dir_mark(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* The code point at q[i] (i < n), its bytes in *l (0, and 0 returned, when
 * no well-formed sequence starts there). */
static uint32_t cp_at(const char *q, size_t i, size_t n, size_t *l)
{
    *l = fh_utf8_seq_len((const unsigned char *)q + i, n - i);
    return *l ? fh_utf8_decode((const unsigned char *)q + i, *l) : 0;
}

/* The bytes of the separator at q[i] (0: none). Besides ASCII white space,
 * the Unicode spaces a pasted query carries (no-break U+00A0, U+2000-U+200A,
 * U+202F, U+205F, U+3000, ...), the zero width space U+200B (which the
 * analyzer splits words at too) and the directional marks separate items:
 * `+a<NBSP>-b` or an RLM before `-word` must not turn an exclusion into a
 * ranked word. The query is valid UTF-8 (checked first). */
static size_t space_len(const char *q, size_t i, size_t n)
{
    const unsigned char c = (unsigned char)q[i];
    if (c < 0x80)
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    size_t l;
    uint32_t cp = cp_at(q, i, n, &l);
    if (l < 2)
        return 0;
    bool sp = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
              cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
              is_dir_mark(cp);
    return sp ? l : 0;
}

/* The bytes of the phrase quote at q[i] (0: none): ", or the “ ” that
 * phone keyboards type for it. « » are not quotes here: news headlines use
 * them around names and titles, and reading a pasted headline's «...» as a
 * phrase lowered news dev MRR@10 from 0.6794 to 0.6751 (“ ” : 0.6797). */
static size_t quote_len(const char *q, size_t i, size_t n)
{
    if (q[i] == '"')
        return 1;
    if (n - i >= 3 && (unsigned char)q[i] == 0xE2 && (unsigned char)q[i + 1] == 0x80 &&
        ((unsigned char)q[i + 2] == 0x9C || (unsigned char)q[i + 2] == 0x9D))
        return 3; /* U+201C, U+201D */
    return 0;
}

/* Where the separators that start at q[i] end. */
static size_t skip_spaces(const char *q, size_t i, size_t n)
{
    for (size_t l; i < n && (l = space_len(q, i, n)) > 0;)
        i += l;
    return i;
}

/* Where the characters the analyzer drops (a byte order mark, a word joiner,
 * tatweel, marks: fh_analyzer_drops_char) that start at q[i] end: before an
 * item they are nothing, so a BOM pasted before -word leaves an exclusion. */
static size_t skip_dropped(const fh_analyzer *a, const char *q, size_t i, size_t n)
{
    size_t l;
    while (i < n && (unsigned char)q[i] >= 0x80 && fh_analyzer_drops_char(a, cp_at(q, i, n, &l)) &&
           l > 0)
        i += l;
    return i;
}

/* The operator at q[*i] (+ required, - excluded), if any, into *occ, and
 * *i past it and what the analyzer drops after it (-<BOM>"a b" stays an
 * exclusion). */
static void take_operator(const fh_analyzer *a, const char *q, size_t *i, size_t n, fh_occur *occ)
{
    if (*i < n && (q[*i] == '+' || q[*i] == '-')) {
        *occ = q[*i] == '+' ? FH_OCC_MUST : FH_OCC_NOT;
        *i = skip_dropped(a, q, *i + 1, n);
    }
}

/* Where the plain item that starts at q[i] ends: at a separator or a quote. */
static size_t item_end(const char *q, size_t i, size_t n)
{
    while (i < n && !space_len(q, i, n) && !quote_len(q, i, n))
        i++;
    return i;
}

/* The parser's state: the query being built and the limits. */
typedef struct pstate {
    fh_searcher *s;
    fh_query *q;
    uint32_t max_terms;
    uint32_t all_fields;
    fh_buf *errmsg;
    uint32_t seq;   /* the query's words so far, every one the analyzer gave
                       (dropped stop words, exclusions and prefixes too): a
                       form's fh_qform.seq */
    uint32_t asked; /* the words so far that are not excluded: an
                       interrogative among the first two makes a question */
} pstate;

/* After an item's operator (at q[op], taken when occ is not SHOULD), the
 * other one right before its word, at q[i] (+-x, -+x, -title:+x) asks for
 * the word both required and excluded: a syntax error, with the message in
 * ps->errmsg. The same one again is that operator (++x is +x), and a sign
 * with nothing after it is punctuation (a pasted " -- "). */
static int second_operator(pstate *ps, const char *q, size_t op, size_t i, size_t n, fh_occur occ)
{
    if (occ == FH_OCC_SHOULD || i + 1 >= n || (q[i] != '+' && q[i] != '-') ||
        (q[i] == '+') == (occ == FH_OCC_MUST) || space_len(q, i + 1, n))
        return 0;
    if (ps->errmsg)
        fh_buf_addf(ps->errmsg,
                    "'%.*s' asks for a word both required (+) and excluded (-): write one of "
                    "the two",
                    (int)(i + 1 - op), q + op);
    return FH_ESYNTAX;
}

static int too_many(pstate *ps)
{
    if (ps->errmsg)
        fh_buf_addf(ps->errmsg, "query has more than %u terms (the limit)", ps->max_terms);
    return FH_ELIMIT;
}

/* The phrase words and mixed words' parts share one cap (fh_query.el), not
 * max_terms: the message names the cap that was hit. */
static int too_many_elems(pstate *ps)
{
    if (ps->errmsg)
        fh_buf_addf(ps->errmsg, "query has more than %u phrase words and word parts",
                    FH_Q_MAX_ELEMS);
    return FH_ELIMIT;
}

/* Whether the reading b (bl bytes) is to be kept over a (al bytes) when two
 * forms of one clause carry different ones: the shorter, then the lower in
 * byte order; none (0 bytes) loses to any. */
static bool reading_wins(const char *b, size_t bl, const char *a, size_t al)
{
    return bl > 0 && (al == 0 || bl < al || (bl == al && memcmp(b, a, bl) < 0));
}

/* Add c to the query, or merge it into the same clause given earlier (qtf
 * counts both). The merged clause must not depend on the order the forms
 * were typed: it keeps a reading (alt, norm) that either form carries, and
 * of two different ones the same one whatever the order (reading_wins). */
static int add_clause(pstate *ps, const fh_clause *c)
{
    fh_query *q = ps->q;
    if (c->kind != FH_CL_PHRASE) {
        for (uint32_t i = 0; i < q->n_cl; i++) {
            fh_clause *o = &q->cl[i];
            if (o->kind == c->kind && o->occur == c->occur && o->field_mask == c->field_mask &&
                o->last_prefix == c->last_prefix && o->len == c->len &&
                memcmp(o->term, c->term, c->len) == 0) {
                o->qtf++;
                /* a stop word quoted ("في") is asked for: typed plain as
                   well, in either order, it stays a ranked word */
                o->stop = o->stop && c->stop;
                /* the alternative stem: a one-word phrase ("شركات") has
                   none, and two forms of one stem can have two (light10+sb:
                   الشركات شرك, شركات شركا) */
                if (reading_wins(c->alt, c->alt_len, o->alt, o->alt_len)) {
                    memcpy(o->alt, c->alt, c->alt_len + 1u);
                    o->alt_len = c->alt_len;
                }
                /* the same stem typed as a madda-less آل word (اف الاف), or
                   two such words (الاف والاف) */
                if (reading_wins(c->norm, c->norm_len, o->norm, o->norm_len)) {
                    memcpy(o->norm, c->norm, c->norm_len + 1u);
                    o->norm_len = c->norm_len;
                    o->spell_mask = c->spell_mask;
                }
                return 0;
            }
        }
    }
    if (q->n_cl >= FH_Q_MAX_CLAUSES)
        return too_many(ps);
    q->cl[q->n_cl++] = *c;
    return 0;
}

/* add_clause for c, whose elements (a mixed word's parts) start at el0: when
 * c merges into the same clause given earlier, its elements go again (the
 * earlier clause's are there already). */
static int add_clause_els(pstate *ps, const fh_clause *c, uint32_t el0)
{
    uint32_t ncl = ps->q->n_cl;
    int rc = add_clause(ps, c);
    if (rc == 0 && ps->q->n_cl == ncl)
        ps->q->n_el = el0;
    return rc;
}

/* The parts that follow token t[i] when it is the whole of a mixed word
 * (two or more parts: DeepSeek-R1, R1), else 0 (a plain word, 4%). */
static size_t mixed_parts(const fh_token *t, size_t nt, size_t i)
{
    size_t np = 0;
    while (i + 1 + np < nt && (t[i + 1 + np].flags & FH_TOK_PART))
        np++;
    return (t[i].flags & FH_TOK_WHOLE) && np >= 2 ? np : 0;
}

/* Interrogatives, normalized as the analyzer normalizes (ى -> ي, أ -> ا),
 * including the joined forms that are stop words (ماهو, بماذا). */
static const char *const QUESTION_WORDS[] = {
    "ما",   "ماذا", "من",   "متي",  "كم",  "كيف", "اين", "لماذا", "هل",
    "اي",   "ماهو", "ماهي", "ماهم", "بماذا", "لمن", "ممن", "بكم",
};

static bool is_question_word(const char *norm, size_t len)
{
    for (size_t i = 0; i < sizeof QUESTION_WORDS / sizeof QUESTION_WORDS[0]; i++)
        if (strlen(QUESTION_WORDS[i]) == len && memcmp(QUESTION_WORDS[i], norm, len) == 0)
            return true;
    return false;
}

/* Words a question uses to ask for a name, a number or what something is
 * called (اسم، عدد، يسمى، تسمى، تسمية), already normalized as the analyzer
 * normalizes (ى -> ي, ة -> ه); matched by stem, so الاسم, لاسم, والعدد, بعدد
 * and التسمية count too (not باسمه or تسميته: their stems are باسم, تسميت). */
static const char *const ANSWER_WORDS[] = {"اسم", "عدد", "يسمي", "تسمي", "تسميه"};

static bool is_answer_stem(const fh_engine *e, const char *t, size_t len)
{
    for (uint32_t k = 0; k < e->n_answer; k++)
        if (e->answer_len[k] == len && memcmp(e->answer_stem[k], t, len) == 0)
            return true;
    return false;
}

int fh_query_answer_stems(fh_engine *e)
{
    /* fh_analysis_stem, not fh_analyze: a fresh scratch's first fh_analyze
     * would map its 16 MiB stem cache for five words */
    fh_analysis *an;
    int rc = fh_analysis_new(e->an, &an);
    if (rc != 0)
        return rc;
    e->n_answer = 0;
    for (size_t i = 0; i < sizeof ANSWER_WORDS / sizeof ANSWER_WORDS[0]; i++) {
        const char *w = ANSWER_WORDS[i];
        char st[FH_TOKEN_MAX + 1];
        size_t sl = fh_analysis_stem(an, w, strlen(w), st);
        if (sl == 0 || fh_analyzer_is_stopword(e->an, w, strlen(w)))
            continue;
        if (is_answer_stem(e, st, sl) || e->n_answer >= FH_Q_ANSWER_MAX)
            continue;
        memcpy(e->answer_stem[e->n_answer], st, sl + 1u);
        e->answer_len[e->n_answer++] = (uint16_t)sl;
    }
    fh_analysis_free(an);
    return 0;
}

static int count_word(pstate *ps)
{
    if (ps->q->n_words >= ps->max_terms)
        return too_many(ps);
    ps->q->n_words++;
    return 0;
}

/* Keep word t of p as it was typed, for the exact-form re-rank (exact.c),
 * as the word at place seq among the query's words. */
static void add_form(pstate *ps, const char *p, const fh_token *t, uint32_t seq, uint32_t mask)
{
    fh_query *q = ps->q;
    if (q->n_form >= FH_Q_MAX_FORMS || t->stem_len == 0 || t->norm_len == 0)
        return;
    fh_qform *f = &q->form[q->n_form];
    size_t fl = fh_exact_form(ps->s->e->an, p + t->offset, t->length, f->form);
    if (fl == 0)
        return;
    f->form_len = (uint16_t)fl;
    memcpy(f->norm, t->norm, t->norm_len);
    f->norm[t->norm_len] = '\0';
    f->norm_len = t->norm_len;
    memcpy(f->stem, t->stem, t->stem_len);
    f->stem[t->stem_len] = '\0';
    f->stem_len = t->stem_len;
    f->seq = seq;
    f->field_mask = mask;
    q->n_form++;
}

static void clause_init(fh_clause *c, fh_clause_kind kind, fh_occur occ, uint32_t mask)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->occur = occ;
    c->field_mask = mask;
    c->qtf = 1;
    c->alt_ix = -1;
    c->weight = 1.0f;
}

/* The parts t[0..n) of a mixed word as the elements of its clause c: their
 * stems at their positions relative to the first part. A part with no stem
 * is never indexed: it is a wildcard, like a stop word the index dropped.
 * With last_prefix the last part is walked as a prefix (exec.c): by its stem,
 * or, when it has none, by its normalized form, as a PREFIX clause is. */
static int add_parts(pstate *ps, fh_clause *c, const fh_token *t, size_t n, bool last_prefix)
{
    fh_query *q = ps->q;
    if (n > FH_Q_MAX_PHRASE) {
        if (ps->errmsg)
            fh_buf_addf(ps->errmsg, "a word has more than %u parts", FH_Q_MAX_PHRASE);
        return FH_ELIMIT;
    }
    if (q->n_el + n > FH_Q_MAX_ELEMS)
        return too_many_elems(ps);
    c->first_el = q->n_el;
    c->n_el = (uint32_t)n;
    for (size_t k = 0; k < n; k++) {
        fh_qelem *e = &q->el[q->n_el++];
        memcpy(e->term, t[k].stem, t[k].stem_len);
        e->term[t[k].stem_len] = '\0';
        e->len = t[k].stem_len;
        e->stop = (t[k].flags & FH_TOK_STOP) != 0 || t[k].stem_len == 0;
        e->rel = t[k].position - t[0].position;
        if (last_prefix && k + 1 == n) {
            if (t[k].stem_len == 0) {
                memcpy(e->term, t[k].norm, t[k].norm_len);
                e->term[t[k].norm_len] = '\0';
                e->len = t[k].norm_len;
            }
            e->stop = false;
        }
    }
    return 0;
}

static int parse_words(pstate *ps, const char *p, size_t n, fh_occur occ, uint32_t mask);

/* A phrase: the non-part tokens of its text at their relative positions. */
static int parse_phrase(pstate *ps, const char *p, size_t n, fh_occur occ, uint32_t mask)
{
    const fh_token *t;
    size_t nt;
    int rc = fh_analyze(ps->s->an, p, n, &t, &nt);
    if (rc != 0)
        return rc;
    /* A word* (a '*' run after a word, then a separator or the phrase's end):
     * quoted alone it is the prefix unquoted ("ش*" is ش*); in a phrase of
     * two or more words it is an error, not a '*' dropped as punctuation
     * (a phrase matches words, not the terms a prefix expands to). */
    size_t words = 0, star_end = 0;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].flags & FH_TOK_PART)
            continue;
        words++;
        size_t j = (size_t)t[i].offset + t[i].length, k = j;
        while (k < n && p[k] == '*')
            k++;
        if (k > j && (k == n || space_len(p, k, n)) && star_end == 0)
            star_end = k;
    }
    if (star_end > 0 && words == 1)
        return parse_words(ps, p, star_end, occ, mask);
    if (star_end > 0) {
        if (ps->errmsg)
            fh_buf_addf(ps->errmsg,
                        "a prefix (word*) inside a \"phrase\" of %zu words: a phrase matches "
                        "whole words; write the prefix outside the quotes",
                        words);
        return FH_ESYNTAX;
    }
    fh_query *q = ps->q;
    uint32_t first = q->n_el, cnt = 0, pos0 = 0;
    size_t i0 = 0; /* the first word */
    for (size_t i = 0; i < nt; i++) {
        if (t[i].flags & FH_TOK_PART)
            continue;
        if (cnt == 0) {
            pos0 = t[i].position;
            i0 = i;
        }
        if (cnt >= FH_Q_MAX_PHRASE) {
            if (ps->errmsg)
                fh_buf_addf(ps->errmsg, "a phrase has more than %u words", FH_Q_MAX_PHRASE);
            return FH_ELIMIT;
        }
        uint32_t seq = ps->seq++;
        if ((rc = count_word(ps)) != 0)
            return rc;
        if (occ != FH_OCC_NOT) {
            add_form(ps, p, &t[i], seq, mask);
            ps->asked++;
        }
        if (q->n_el >= FH_Q_MAX_ELEMS)
            return too_many_elems(ps);
        fh_qelem *e = &q->el[q->n_el++];
        memcpy(e->term, t[i].stem, t[i].stem_len);
        e->term[t[i].stem_len] = '\0';
        e->len = t[i].stem_len;
        e->stop = (t[i].flags & FH_TOK_STOP) != 0;
        e->rel = t[i].position - pos0;
        cnt++;
    }
    if (cnt == 0)
        return 0;
    fh_clause c;
    if (cnt == 1) {
        /* a one-word phrase is that word, stop word or not; a mixed word
           ("R1") too, its whole term or its parts in a row, as unquoted */
        size_t np = mixed_parts(t, nt, i0);
        clause_init(&c, np ? FH_CL_MIXED : FH_CL_TERM, occ, mask);
        memcpy(c.term, q->el[first].term, q->el[first].len + 1u);
        c.len = q->el[first].len;
        q->n_el = first;
        if (np && (rc = add_parts(ps, &c, t + i0 + 1, np, false)) != 0)
            return rc;
        return add_clause_els(ps, &c, first);
    }
    clause_init(&c, FH_CL_PHRASE, occ, mask);
    c.first_el = first;
    c.n_el = cnt;
    return add_clause(ps, &c);
}

/* The letters of the normalized word norm (nn bytes) that may take a madda:
 * bit k is set when norm's letter k, at most SPELL_MAX_LETTER (after the
 * proclitics and article a word can carry: وبال, فلل...), is the ا of an ال
 * and the user typed that ا bare (U+0627, and no combining hamza or madda
 * after it): a word typed with أ or إ (الإله, the god) is no madda-less آل
 * (الآلة, the machine). The typed word (sf, sn bytes) and norm are walked
 * letter by letter: what the analyzer drops (fh_analyzer_drops_char: marks,
 * tatweel, format characters) is skipped, and every other character of the
 * Arabic block is one letter of norm; any other character (a presentation
 * form, a letter of another block) stops the walk. */
#define SPELL_MAX_LETTER 4u
static uint8_t spell_mask(const fh_analyzer *a, const char *sf, size_t sn, const char *norm,
                          size_t nn)
{
    const unsigned char *p = (const unsigned char *)sf;
    uint8_t mask = 0;
    size_t i = 0;
    for (uint32_t k = 0; i < sn && k <= SPELL_MAX_LETTER && 2u * k + 4u <= nn;) {
        size_t l = fh_utf8_seq_len(p + i, sn - i);
        if (l == 0)
            break;
        uint32_t c = fh_utf8_decode(p + i, l);
        i += l;
        if (fh_analyzer_drops_char(a, c))
            continue;
        if (c < 0x0600 || c > 0x06FF)
            break; /* presentation forms expand to several letters; other blocks */
        if (c == 0x0627 && memcmp(norm + 2u * k, "\xd8\xa7\xd9\x84", 4) == 0) {
            /* bare unless a combining madda or hamza (ا + U+0653..0655 is
             * آ أ إ) follows among the characters dropped after it */
            bool bare = true;
            for (size_t j = i, m; j < sn && (m = fh_utf8_seq_len(p + j, sn - j)) != 0; j += m) {
                uint32_t d = fh_utf8_decode(p + j, m);
                if (d >= 0x0653 && d <= 0x0655)
                    bare = false;
                if (!bare || !fh_analyzer_drops_char(a, d))
                    break;
            }
            if (bare)
                mask |= (uint8_t)(1u << k);
        }
        k++;
    }
    return mask;
}

/* What a prefix* walks besides its stem, so that a word typed letter by
 * letter finds what the index holds at every step (search as you type):
 * - c->alt, a second prefix walked into the same expansions:
 *   - the letters after an article the analyzer kept (الش*, الام*, المع*,
 *     ألما*: a word too short to lose it, or a stop word's form, which the
 *     analyzer keeps whole): the index holds الشركات, الأمم, المعلم, ألمانيا
 *     without it. The article may be the word's own letters (الف, الم), so
 *     the typed prefix is walked too, unless those letters begin it as well
 *     (الا*, after ال: ا*), whose walk then is the only one;
 *   - else, for light10, a stem of under four letters with ؤ or ئ written ء
 *     (fh_analyzer_seat_prefix):
 *     longer stems have their hamza seat folded (analyzer 1.4), so المؤت
 *     (مؤت) must walk مءت to reach مءتمر;
 * - c->norm, one stem matched exactly: that of the typed word completed
 *   with the suffix its last letter begins (ا: ات, و: ون, ك: كم, ن: نا), when
 *   the analyzer left that letter at the end of the stem: القوا* is قوا*
 *   and the stem of القوات, قو.
 * norm[0..nl) is the typed word normalized; c->term its stem. */
static void prefix_readings(fh_searcher *s, fh_clause *c, const char *norm, size_t nl)
{
    size_t al = fh_analyzer_article_len(c->term, c->len);
    if (al > 0 && c->len > al && memcmp(c->term, c->term + al, c->len - al) == 0) {
        /* the letters after the article begin it too (الا: ا): their walk
           covers the typed prefix's, and is the one walk */
        memmove(c->term, c->term + al, c->len - al);
        c->len = (uint16_t)(c->len - al);
        c->term[c->len] = '\0';
    } else if (al > 0 && c->len > al) {
        memcpy(c->alt, c->term + al, c->len - al);
        c->alt_len = (uint16_t)(c->len - al);
        c->alt[c->alt_len] = '\0';
    } else {
        c->alt_len = (uint16_t)fh_analyzer_seat_prefix(s->e->an, c->term, c->len, c->alt);
    }
    /* the completion: the stem must end the typed word (no suffix went) */
    static const char *const tails[][2] = {
        {"\xD8\xA7", "\xD8\xA7\xD8\xAA"}, /* ا: ات */
        {"\xD9\x88", "\xD9\x88\xD9\x86"}, /* و: ون */
        {"\xD9\x83", "\xD9\x83\xD9\x85"}, /* ك: كم */
        {"\xD9\x86", "\xD9\x86\xD8\xA7"}, /* ن: نا */
    };
    if (c->len < 2 || nl < c->len || nl + 2 > FH_TOKEN_MAX ||
        memcmp(norm + nl - c->len, c->term, c->len) != 0)
        return;
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        if (memcmp(c->term + c->len - 2, tails[k][0], 2) != 0)
            continue;
        char word[FH_TOKEN_MAX + 1], stem[FH_TOKEN_MAX + 1];
        memcpy(word, norm, nl - 2);
        memcpy(word + nl - 2, tails[k][1], 4);
        size_t sl = fh_analysis_stem(s->an, word, nl + 2, stem);
        /* a stem the walk does not reach already: shorter than the prefix */
        if (sl > 0 && sl < c->len && !fh_analyzer_is_stopword(s->e->an, stem, sl)) {
            memcpy(c->norm, stem, sl);
            c->norm[sl] = '\0';
            c->norm_len = (uint16_t)sl;
        }
        return;
    }
}

/* The last part of a mixed word typed with a '*' (R-الش*) is walked as a
 * prefix is (prefix_readings): its element e (token t) may lose an article
 * whose letters begin it too, and the clause c takes the second prefix and
 * the completion in its alt and norm, which a MIXED clause has no other use
 * for. */
static void last_part_readings(fh_searcher *s, fh_clause *c, fh_qelem *e, const fh_token *t)
{
    fh_clause tc;
    clause_init(&tc, FH_CL_PREFIX, c->occur, c->field_mask);
    memcpy(tc.term, e->term, e->len + 1u);
    tc.len = e->len;
    prefix_readings(s, &tc, t->norm, t->norm_len);
    memcpy(e->term, tc.term, tc.len + 1u);
    e->len = tc.len;
    memcpy(c->alt, tc.alt, tc.alt_len + 1u);
    c->alt_len = tc.alt_len;
    memcpy(c->norm, tc.norm, tc.norm_len + 1u);
    c->norm_len = tc.norm_len;
}

/* A plain item: each non-part token becomes a TERM clause, a mixed token
 * with two or more parts a MIXED clause (its whole term OR the phrase of
 * its parts); with a trailing '*' the last one becomes a PREFIX clause. */
static int parse_words(pstate *ps, const char *p, size_t n, fh_occur occ, uint32_t mask)
{
    bool prefix = false;
    while (n > 0 && p[n - 1] == '*') {
        prefix = true;
        n--;
    }
    if (n == 0)
        return 0;
    const fh_token *t;
    size_t nt;
    /* the alt stems (if the analyzer has them) are wanted for ranked words only */
    fh_analysis_set_alt(ps->s->an, ps->s->e->rp.alt_weight > 0);
    int rc = fh_analyze(ps->s->an, p, n, &t, &nt);
    fh_analysis_set_alt(ps->s->an, false);
    if (rc != 0)
        return rc;
    size_t last = SIZE_MAX, words = 0, stops = 0;
    for (size_t i = 0; i < nt; i++) {
        if (!(t[i].flags & FH_TOK_PART)) {
            last = i;
            words++;
            stops += (t[i].flags & FH_TOK_STOP) != 0;
        }
    }
    /* A +item or -item the analyzer splits into several words (+والـiPhone:
     * و, iphone) constrains its content words only: the stop word split off
     * would otherwise be required (or excluded) on its own. */
    bool drop_stops = occ != FH_OCC_SHOULD && words > 1 && stops < words;
    /* A prefix must end where the item ends, otherwise "foo-*" would expand
     * a word the user completed. */
    if (prefix && last != SIZE_MAX && (size_t)t[last].offset + t[last].length != n)
        prefix = false;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].flags & FH_TOK_PART)
            continue;
        uint32_t seq = ps->seq++;
        if (drop_stops && (t[i].flags & FH_TOK_STOP) && !(prefix && i == last))
            continue;
        /* an excluded word is no part of what is asked (-من leaves a
           query about the rest): it neither makes a question nor counts
           among its first two words */
        if (occ != FH_OCC_NOT && ps->asked++ < 2 && is_question_word(t[i].norm, t[i].norm_len))
            ps->q->question = true;
        if ((rc = count_word(ps)) != 0)
            return rc;
        fh_clause c;
        size_t np = mixed_parts(t, nt, i);
        bool mixed = np > 0;
        /* a '*' after a mixed word is on its last part (R1*: r 1*) */
        bool pre = prefix && i == last && !mixed;
        clause_init(&c, pre ? FH_CL_PREFIX : mixed ? FH_CL_MIXED : FH_CL_TERM, occ, mask);
        c.last_prefix = mixed && prefix && i == last;
        const char *w = t[i].stem;
        uint16_t wl = t[i].stem_len;
        if (pre && wl == 0) {
            w = t[i].norm;
            wl = t[i].norm_len;
        }
        if (wl == 0)
            continue;
        if (occ != FH_OCC_NOT && !pre && !c.last_prefix)
            add_form(ps, p, &t[i], seq, mask);
        memcpy(c.term, w, wl);
        c.term[wl] = '\0';
        c.len = wl;
        c.stop = !pre && !mixed && (t[i].flags & FH_TOK_STOP) != 0;
        if (pre)
            prefix_readings(ps->s, &c, t[i].norm, t[i].norm_len);
        if (!pre && !mixed && t[i].alt_len > 0 && t[i].alt_len <= FH_TOKEN_MAX + 1) {
            memcpy(c.alt, t[i].alt, t[i].alt_len);
            c.alt[t[i].alt_len] = '\0';
            c.alt_len = t[i].alt_len;
        }
        if (!pre && !mixed && !c.stop && t[i].norm_len <= FH_TOKEN_MAX &&
            (c.spell_mask = spell_mask(ps->s->e->an, p + t[i].offset, t[i].length, t[i].norm,
                                       t[i].norm_len)) != 0) {
            memcpy(c.norm, t[i].norm, t[i].norm_len);
            c.norm[t[i].norm_len] = '\0';
            c.norm_len = t[i].norm_len;
        }
        uint32_t el0 = ps->q->n_el;
        if (mixed && (rc = add_parts(ps, &c, t + i + 1, np, c.last_prefix)) != 0)
            return rc;
        if (c.last_prefix)
            last_part_readings(ps->s, &c, &ps->q->el[c.first_el + c.n_el - 1], &t[i + np]);
        if ((rc = add_clause_els(ps, &c, el0)) != 0)
            return rc;
    }
    return 0;
}

/* Whether the item at q[j] opens with a character that can begin the second
 * half of a word written apart: a per cent sign (% ٪ ％) or an Arabic letter,
 * of the Arabic block (ٱ among them) or of the presentation forms, which
 * normalization reads as letters. The test saves the pair's analysis for
 * every other item. */
static bool pair_opener(const char *q, size_t j, size_t qlen)
{
    size_t l;
    uint32_t cp = cp_at(q, j, qlen, &l);
    return cp == '%' || cp == 0xFF05 || (cp >= 0x0600 && cp <= 0x06FF) ||
           (cp >= 0xFB50 && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF);
}

/* The longest pair of items joined_item_end() writes, in bytes. */
#define JOIN_MAX (2u * FH_TOKEN_MAX + 8u)

/* The item after q[end) for joined_item_end: its start *j (past a repeated
 * operator) and end *k; false when there is none or it cannot open a word
 * written apart (pair_opener). */
static bool next_joinable(const char *q, size_t qlen, size_t end, fh_occur occ, size_t *j,
                          size_t *k)
{
    size_t i = skip_spaces(q, end, qlen);
    if (i == end || i >= qlen)
        return false;
    if (occ != FH_OCC_SHOULD && q[i] == (occ == FH_OCC_MUST ? '+' : '-'))
        i++;
    if (i >= qlen || !pair_opener(q, i, qlen))
        return false;
    *j = i;
    *k = item_end(q, i, qlen);
    return true;
}

/* Whether q[0, n) holds a percent sign: % or its Arabic or full-width form. */
static bool has_percent_sign(const char *q, size_t n)
{
    for (size_t i = 0, l; i < n; i += l ? l : 1) {
        uint32_t cp = cp_at(q, i, n, &l);
        if (cp == '%' || cp == 0x066A || cp == 0xFF05)
            return true;
    }
    return false;
}

/* Whether the analysis of "number words" (pl bytes) reads the words as a
 * percentage of the number q[0, n1): its first token is the number with % and
 * spans the number only (15 في المائة, 15 بالمائة: docs/ANALYSIS.md). */
static bool percent_words(const fh_token *t, size_t nt, size_t n1)
{
    return nt > 0 && t[0].offset == 0 && t[0].length == n1 && t[0].norm_len > 1 &&
           t[0].norm[t[0].norm_len - 1] == '%';
}

/* Since analyzer 1.19 a few words written apart are one word (15 %,
 * عبد الله: docs/ANALYSIS.md §3). The plain item q[st, end), of occurrence
 * occ, takes in the next item when the analyzer reads the two, one space
 * apart, as one word; the query then holds the word as the index does.
 * Whatever separates them (two spaces, a tab) counts as one space; the next
 * item may repeat the item's operator (+عبد +الله), and may be a prefix
 * being typed (عبد ال*: tried as if a letter followed). The joined text is
 * the two items without the space (the analyzer's word; a prefix keeps its
 * *), written to buf (JOIN_MAX bytes), its length in *bl. A number followed
 * by the words of a percentage (15 بالمائة, or the two items 15 في المائة)
 * takes them in as the word 15%, the term the index holds for them. Returns
 * where the item ends in q (the last item's end when joined). Only a next
 * item that can open such a word is tried (pair_opener). */
static size_t joined_item_end(pstate *ps, const char *q, size_t qlen, size_t st, size_t end,
                              fh_occur occ, char *buf, size_t *bl)
{
    *bl = 0;
    size_t j, k;
    if (!next_joinable(q, qlen, end, occ, &j, &k) || q[end - 1] == '*')
        return end;
    size_t n1 = end - st, n2 = k - j;
    bool prefix = false;
    while (n2 > 0 && q[j + n2 - 1] == '*') {
        prefix = true;
        n2--;
    }
    char pair[JOIN_MAX + 4];
    if (n2 == 0 || n1 + n2 + 4 > JOIN_MAX)
        return end;
    memcpy(pair, q + st, n1);
    pair[n1] = ' ';
    memcpy(pair + n1 + 1, q + j, n2);
    size_t pl = n1 + 1 + n2;
    if (prefix) {
        memcpy(pair + pl, "\xD8\xA8", 2); /* ب: a letter to complete the word */
        pl += 2;
    }
    const fh_token *t;
    size_t nt;
    if (fh_analyze(ps->s->an, pair, pl, &t, &nt) != 0)
        return end;
    for (size_t x = 0; x < nt; x++) {
        if (t[x].offset < n1 && (size_t)t[x].offset + t[x].length > n1 + 1) {
            memcpy(buf, q + st, n1);
            memcpy(buf + n1, q + j, n2);
            *bl = n1 + n2;
            if (prefix)
                buf[(*bl)++] = '*';
            return k;
        }
    }
    if (prefix || nt == 0 || t[0].offset != 0 || t[0].length != n1 ||
        !(t[0].flags & FH_TOK_NUMERIC) || has_percent_sign(q + st, n1))
        return end;
    size_t last = k; /* the number, then its percentage words */
    if (!percent_words(t, nt, n1)) {
        size_t j3, k3;
        if (!next_joinable(q, qlen, k, occ, &j3, &k3) || q[k3 - 1] == '*' ||
            pl + 1 + (k3 - j3) > sizeof pair)
            return end;
        pair[pl] = ' ';
        memcpy(pair + pl + 1, q + j3, k3 - j3);
        pl += 1 + (k3 - j3);
        if (fh_analyze(ps->s->an, pair, pl, &t, &nt) != 0 || !percent_words(t, nt, n1))
            return end;
        last = k3;
    }
    memcpy(buf, q + st, n1);
    buf[n1] = '%';
    *bl = n1 + 1;
    return last;
}

static int field_index(const fh_engine *e, const char *p, size_t n)
{
    for (uint32_t f = 0; f < e->n_fields; f++) {
        const char *name = e->meta->field_names[f];
        size_t nl = strlen(name);
        if (nl != n)
            continue;
        size_t i = 0;
        for (; i < n; i++) {
            char a = p[i], b = name[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
        }
        if (i == n)
            return (int)f;
    }
    return -1;
}

/* The name of a field of the index at q[i], up to its ':' (letters, digits,
 * '_'): its index, and *end past the ':', or -1 when there is none there. */
static int field_at(const fh_engine *e, const char *q, size_t i, size_t n, size_t *end)
{
    size_t j = i;
    while (j < n && fh_field_name_char(q[j]))
        j++;
    int f = j > i && j < n && q[j] == ':' ? field_index(e, q + i, j - i) : -1;
    *end = j + 1;
    return f;
}

/* The df of a stem in the index (0 when absent or on error). */
static uint32_t stem_df(fh_searcher *s, const char *t, size_t len)
{
    fh_term_info ti;
    return fh_term_get(s->rd, t, len, &ti) == 0 ? ti.df : 0u;
}

/* A candidate variant stem t of the word c (spell_variant, tense_variant):
 * kept in c->alt, with *flag set, when it is not c's stem, its df beats
 * *best, and it holds at least share times as many documents as c's stem
 * (*floor: that bound, looked up on first use; -1 before). */
static void offer_variant(fh_searcher *s, fh_clause *c, const fh_token *t, double share,
                          double *floor, uint32_t *best, bool *flag)
{
    if (t->stem_len == c->len && memcmp(t->stem, c->term, c->len) == 0)
        return;
    uint32_t df = stem_df(s, t->stem, t->stem_len);
    if (df <= *best)
        return;
    if (*floor < 0)
        *floor = (double)stem_df(s, c->term, c->len) * share;
    if ((double)df < *floor)
        return;
    *best = df;
    memcpy(c->alt, t->stem, t->stem_len);
    c->alt[t->stem_len] = '\0';
    c->alt_len = t->stem_len;
    *flag = true;
}

/* A variant that is a word of q already is no variant. */
static void drop_if_word(const fh_query *q, fh_clause *c, bool *flag)
{
    if (*flag && fh_query_has_stem(q, c->alt, c->alt_len)) {
        c->alt_len = 0;
        *flag = false;
    }
}

/* Madda reading of a word typed without the madda (see the top of the
 * file): for each ال of c's normalized word whose ا was typed bare
 * (c->spell_mask), the word with that ا written آ, as the analyzer stems it; the stem with the
 * largest df wins if it keeps the madda (the analyzer read آل as part of the word, not as the
 * article), is at least as long as c's stem (the ال the article reading stripped is now in the
 * stem, so a shorter stem lost letters to suffixes the typed reading kept: اليونان -> آليونان ->
 * آلي), is not a stop word, differs from c's stem, holds at least SPELL_MIN_SHARE as many documents
 * as c's stem and is not a word of q. It goes in c->alt (is_spell). Uses the searcher's analysis
 * scratch: call it only after the tokens of the query have been consumed. */
#define SPELL_MIN_SHARE 0.2
static void spell_variant(fh_searcher *s, const fh_query *q, fh_clause *c)
{
    static const char MADDA[] = "\xd8\xa2";
    double floor = -1;
    char buf[FH_TOKEN_MAX + 1];
    uint32_t best_df = 0;
    for (uint32_t k = 0; k <= SPELL_MAX_LETTER; k++) {
        if (!(c->spell_mask & (1u << k)))
            continue;
        size_t p = 2u * k;
        memcpy(buf, c->norm, c->norm_len);
        memcpy(buf + p, MADDA, 2);
        const fh_token *t;
        size_t nt;
        if (fh_analyze(s->an, buf, c->norm_len, &t, &nt) != 0 || nt != 1 ||
            (t[0].flags & FH_TOK_STOP) || t[0].stem_len < c->len || t[0].stem_len > FH_TOKEN_MAX ||
            memcmp(t[0].stem, MADDA, 2) != 0)
            continue;
        offer_variant(s, c, &t[0], SPELL_MIN_SHARE, &floor, &best_df, &c->is_spell);
    }
    drop_if_word(q, c, &c->is_spell);
}

/* A variant is kept only when at least this share of the word's own df of
 * documents holds it: a rare look-alike (تقرير -> قرير) must not earn the
 * large idf of a rare word. */
#define TENSE_MIN_SHARE 0.2

/* Country reading of a ranked word of q (see the top of the file): the
 * stem of the adjective of the country c's stem names, if it is common
 * enough and not a word of q. It goes in c->alt (is_var). */
static void country_variant(fh_searcher *s, const fh_query *q, fh_clause *c)
{
    fh_token t = {0};
    char other[FH_TOKEN_MAX + 1];
    size_t n = fh_analyzer_country_adjective(s->e->an, c->term, c->len, other);
    if (n == 0)
        return;
    t.stem = other;
    t.stem_len = (uint16_t)n;
    double floor = -1;
    uint32_t best_df = 0;
    offer_variant(s, c, &t, TENSE_MIN_SHARE, &floor, &best_df, &c->is_var);
    drop_if_word(q, c, &c->is_var);
}

/* Tense variant of a ranked word of q (see the top of the file): when c's
 * stem has at least 4 letters and opens with ي or ت, the stems of the
 * candidate past forms rest, ا + rest and, after ت, rest + ت and
 * ا + rest + ت, as the analyzer stems them; the one with the largest df wins
 * if it is a content word of 3+ letters other than c's stem and common
 * enough, and is dropped if it is a word of q. It goes in c->alt (is_var),
 * so it is scored like an alternative stem, at tense_weight. Uses the
 * searcher's analysis scratch: call it only after the tokens of the query
 * have been consumed. */
static void tense_variant(fh_searcher *s, const fh_query *q, fh_clause *c)
{
    static const char YA[] = "\xd9\x8a", TA[] = "\xd8\xaa", ALEF[] = "\xd8\xa7";
    if (c->len < 8)
        return;
    bool ta = memcmp(c->term, TA, 2) == 0;
    if (!ta && memcmp(c->term, YA, 2) != 0)
        return;
    double floor = -1;
    char buf[FH_TOKEN_MAX + 4];
    uint32_t best_df = 0;
    for (unsigned v = 0; v < (ta ? 4u : 2u); v++) {
        size_t n = 0;
        if (v & 1u) {
            memcpy(buf, ALEF, 2);
            n = 2;
        }
        memcpy(buf + n, c->term + 2, c->len - 2u);
        n += c->len - 2u;
        if (v >= 2u) {
            memcpy(buf + n, TA, 2);
            n += 2;
        }
        const fh_token *t;
        size_t nt;
        if (fh_analyze(s->an, buf, n, &t, &nt) != 0 || nt != 1 || (t[0].flags & FH_TOK_STOP) ||
            t[0].stem_len < 6 || t[0].stem_len > FH_TOKEN_MAX)
            continue;
        offer_variant(s, c, &t[0], TENSE_MIN_SHARE, &floor, &best_df, &c->is_var);
    }
    drop_if_word(q, c, &c->is_var);
}

int fh_query_parse(fh_searcher *s, const char *q, size_t qlen, uint32_t max_terms,
                   fh_query *out, fh_buf *errmsg)
{
    pstate ps = {s, out, max_terms, 0, errmsg, 0, 0};
    const fh_engine *e = s->e;
    ps.all_fields = e->n_fields >= 32 ? UINT32_MAX : ((1u << e->n_fields) - 1u);
    out->n_cl = 0;
    out->n_el = 0;
    out->n_words = 0;
    out->n_form = 0;
    out->all_fields = ps.all_fields;
    out->dropped_stop = false;
    out->question = false;
    if (max_terms == 0 || max_terms > FH_ENGINE_MAX_TERMS) {
        if (errmsg)
            fh_buf_addf(errmsg, "max_terms must be 1..%u", FH_ENGINE_MAX_TERMS);
        return FH_ELIMIT;
    }
    if (!fh_utf8_valid(q, qlen)) {
        if (errmsg)
            fh_buf_adds(errmsg, "query is not valid UTF-8");
        return FH_EINPUT;
    }
    size_t i = 0;
    bool any_text = false;
    while (i < qlen) {
        i = skip_dropped(e->an, q, skip_spaces(q, i, qlen), qlen);
        if (i >= qlen)
            break;
        if (space_len(q, i, qlen))
            continue;
        any_text = true;
        fh_occur occ = FH_OCC_SHOULD;
        size_t op = i; /* where the item's operator would be */
        take_operator(e->an, q, &i, qlen, &occ);
        if (second_operator(&ps, q, op, i, qlen, occ) != 0)
            return FH_ESYNTAX;
        uint32_t mask = ps.all_fields;
        /* field: — letters, digits, '_' up to ':' */
        size_t j;
        int f = field_at(e, q, i, qlen, &j);
        if (f >= 0) {
            size_t k = skip_dropped(e->an, q, j, qlen), k2;
            if (occ == FH_OCC_SHOULD) { /* the operator after the field: title:-x is -title:x */
                op = k;
                take_operator(e->an, q, &k, qlen, &occ);
            }
            if (second_operator(&ps, q, op, k, qlen, occ) != 0)
                return FH_ESYNTAX;
            if (k >= qlen || space_len(q, k, qlen)) {
                if (errmsg)
                    fh_buf_addf(errmsg, "'%.*s' has no word after it (write %.*sword)",
                                (int)(j - i), q + i, (int)(j - i), q + i);
                return FH_ESYNTAX;
            }
            size_t k3 = k;                  /* past an operator left there: -title:-text:x */
            fh_occur again = FH_OCC_SHOULD; /* not used: -title:-x took its - already */
            take_operator(e->an, q, &k3, qlen, &again);
            if (field_at(e, q, k3, qlen, &k2) >= 0) {
                if (errmsg)
                    fh_buf_addf(errmsg,
                                "'%.*s' gives a word two fields: a word is searched in one "
                                "field (%.*sword) or in all of them (word)",
                                (int)(k2 - i), q + i, (int)(j - i), q + i);
                return FH_ESYNTAX;
            }
            mask = 1u << (unsigned)f;
            i = k;
        }
        int rc;
        size_t ql = i < qlen ? quote_len(q, i, qlen) : 0;
        if (ql > 0) {
            size_t st = i += ql;
            while (i < qlen && (ql = quote_len(q, i, qlen)) == 0)
                i++;
            rc = parse_phrase(&ps, q + st, i - st, occ, mask);
            i += ql; /* the closing quote, if any */
        } else {
            size_t st = i;
            i = item_end(q, i, qlen);
            char joined[JOIN_MAX];
            size_t jl;
            size_t next = joined_item_end(&ps, q, qlen, st, i, occ, joined, &jl);
            rc = jl > 0 ? parse_words(&ps, joined, jl, occ, mask)
                        : parse_words(&ps, q + st, i - st, occ, mask);
            i = next;
        }
        if (rc != 0)
            return rc;
    }
    if (!any_text) {
        if (errmsg)
            fh_buf_adds(errmsg, "empty query (white space only)");
        return FH_EEMPTY;
    }
    /* Drop stop words from the ranked part unless that leaves no positive clause. */
    uint32_t n_pos = 0, n_pos_stop = 0;
    for (uint32_t k = 0; k < out->n_cl; k++) {
        const fh_clause *c = &out->cl[k];
        if (c->occur == FH_OCC_NOT)
            continue;
        n_pos++;
        if (c->kind == FH_CL_TERM && c->occur == FH_OCC_SHOULD && c->stop)
            n_pos_stop++;
    }
    if (n_pos_stop > 0 && n_pos_stop < n_pos) {
        uint32_t w = 0;
        for (uint32_t k = 0; k < out->n_cl; k++) {
            const fh_clause *c = &out->cl[k];
            if (c->kind == FH_CL_TERM && c->occur == FH_OCC_SHOULD && c->stop)
                continue;
            out->cl[w++] = *c;
        }
        out->n_cl = w;
        out->dropped_stop = true;
    }
    if (n_pos == 0) {
        if (errmsg)
            fh_buf_adds(errmsg, out->n_cl ? "query has only exclusions"
                                          : "query has no searchable words");
        return FH_ESYNTAX;
    }
    /* One walk over the ranked and required words. In a question, an
     * answer-type word is scaled down (see the top of the file). Alternative
     * stems (an index built with an alt_stems analyzer) and tense variants
     * (the other indexes; see the top of the file): each word also scores,
     * with a lower weight, by its aggressive stem (fh_rank_params.alt_weight)
     * or its variant (tense_weight). Those are only added while there is
     * room: they are a ranking feature, never a reason to refuse a query. */
    const bool alts = e->rp.alt_weight > 0 || e->rp.tense_weight > 0;
    uint32_t n = out->n_cl;
    for (uint32_t k = 0; k < n; k++) {
        fh_clause *c = &out->cl[k];
        if (c->kind != FH_CL_TERM || c->occur == FH_OCC_NOT ||
            (c->stop && c->occur == FH_OCC_SHOULD))
            continue;
        if (out->question && c->occur == FH_OCC_SHOULD && is_answer_stem(e, c->term, c->len))
            c->weight = e->rp.answer_type_weight;
        if (out->n_cl >= FH_Q_MAX_CLAUSES)
            continue;
        if (c->norm_len > 0) {
            /* a madda reading takes the place of an alternative stem: that
               is the stem of the reading the user did not mean */
            char keep[sizeof c->alt];
            uint16_t keep_len = c->alt_len;
            memcpy(keep, c->alt, sizeof keep);
            c->alt_len = 0;
            spell_variant(s, out, c);
            if (!c->is_spell) {
                memcpy(c->alt, keep, sizeof keep);
                c->alt_len = keep_len;
            }
        }
        if (!c->is_spell && !alts)
            continue;
        if (c->alt_len == 0 && e->rp.tense_weight > 0 && !out->question)
            country_variant(s, out, c);
        if (c->alt_len == 0 && e->rp.tense_weight > 0)
            tense_variant(s, out, c);
        if (c->alt_len == 0)
            continue;
        fh_clause a;
        clause_init(&a, FH_CL_TERM, FH_OCC_SHOULD, c->field_mask);
        memcpy(a.term, c->alt, c->alt_len + 1u);
        a.len = c->alt_len;
        a.qtf = c->qtf;
        a.weight = c->weight;
        a.is_alt = true;
        a.is_var = c->is_var;
        a.is_spell = c->is_spell;
        uint32_t j = n;
        for (; j < out->n_cl; j++)
            if (out->cl[j].len == a.len && memcmp(out->cl[j].term, a.term, a.len) == 0 &&
                out->cl[j].field_mask == a.field_mask)
                break;
        if (j < out->n_cl)
            out->cl[j].qtf += a.qtf;
        else
            out->cl[out->n_cl++] = a;
        out->cl[k].alt_ix = (int16_t)j;
    }
    return 0;
}

uint32_t fh_query_words(const fh_query *q)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *c = &q->cl[i];
        if (c->occur == FH_OCC_NOT || c->is_alt)
            continue;
        if ((c->kind == FH_CL_TERM && !c->stop) || c->kind == FH_CL_MIXED)
            n++; /* a mixed word is one word */
        else if (c->kind == FH_CL_PHRASE)
            for (uint32_t k = c->first_el; k < c->first_el + c->n_el; k++)
                n += !q->el[k].stop;
    }
    return n;
}

uint32_t fh_query_stem_fields(const fh_query *q, const char *t, size_t len)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < q->n_cl; i++) {
        const fh_clause *c = &q->cl[i];
        if ((c->kind == FH_CL_TERM || c->kind == FH_CL_MIXED) && (!c->is_alt || c->is_spell) &&
            c->len == len && memcmp(c->term, t, len) == 0)
            m |= c->field_mask;
        if (c->kind == FH_CL_PHRASE || c->kind == FH_CL_MIXED)
            for (uint32_t k = c->first_el; k < c->first_el + c->n_el && k < q->n_el; k++)
                if (q->el[k].len == len && memcmp(q->el[k].term, t, len) == 0)
                    m |= c->field_mask;
    }
    return m;
}

bool fh_query_has_stem(const fh_query *q, const char *t, size_t len)
{
    /* every element is a phrase's or a mixed word's (a merged clause's go
       again, add_clause_els), and no clause has an empty field_mask */
    return fh_query_stem_fields(q, t, len) != 0;
}
