/* stopwords.c — the Arabic stop list, the protected proper nouns and the
 * و-initial verbs of the و guard.
 *
 * Written for Fahras in natural spelling; fh_analyzer_new normalizes every
 * entry with the analyzer's own rules (so إلى and الى are one entry) and also
 * adds the و- and ف- prefixed forms (وفي, فقد). Changing either list changes
 * tokens: bump FH_ANALYZER_VERSION in analyze.c. Data only, no code. */
#include <stddef.h>

#include "analyze_int.h"

/* word lists, kept as compact rows */
/* clang-format off */
const char *const fh_stopwords_ar[] = {
    /* prepositions and particles */
    "في", "من", "إلى", "على", "عن", "مع", "حتى", "منذ", "مذ", "عند", "لدى", "بين", "خلال",
    "حول", "ضد", "نحو", "دون", "بدون", "عبر", "بعد", "قبل", "فوق", "تحت", "أمام", "خلف", "وراء",
    "إزاء", "لكن", "لكنّ", "بل", "أو", "أم", "أن", "إن", "لن", "لم", "لا", "ما", "ماذا",
    "متى", "أين", "كيف", "لماذا", "هل", "قد", "لقد", "سوف", "كل", "بعض", "غير", "سوى", "أي",
    "إلا", "ثم", "كما", "حيث", "عندما", "بينما", "لما", "مثل", "إما", "أما", "إذا", "إذ",
    "إذن", "كذلك", "أيضا", "فقط", "جدا", "لأن", "كي", "لكي", "ليت", "لعل", "كأن", "رغم",
    "عدة", "نفس", "ذات", "ذو", "ذي", "يا", "أيها", "إنما", "أنما", "كلا", "كلتا", "بلى", "نعم",
    /* (1.17) if not for: ولولا, فلولا were read as the tanween of ولول, فلول */
    "لولا",
    /* interrogatives not above, and their common joined spellings (ما هو -> ماهو) */
    "كم", "بكم", "بماذا", "لمن", "ممن", "ماهو", "ماهي", "ماهم", "ماذاك", "أيّ",
    /* أي after a preposition (بأي مدينة, لأي سبب); not the feminine أية, which
     * normalizes like آية (a verse) */
    "بأي", "لأي",
    /* pronouns and pronoun-bearing particles */
    "أنا", "نحن", "أنت", "أنتم", "أنتما", "أنتن", "هو", "هي", "هم", "هما", "هن", "إنه",
    "إنها", "إنهم", "أنه", "أنها", "أنهم", "لأنه", "لأنها", "عليه", "عليها", "عليهم", "منه",
    "منها", "منهم", "فيه", "فيها", "فيهم", "له", "لها", "لهم", "لهما", "به", "بها", "بهم",
    "عنه", "عنها", "عنهم", "إليه", "إليها", "إليهم", "معه", "معها", "معهم", "بينهم", "لي",
    "لنا", "لك", "لكم", "منا", "عنا", "علينا", "إلينا",
    /* (1.24) the rest of على with a pronoun: once على and علي (the name)
       are two words, these would otherwise be stemmed to the name */
    "عليك", "عليكم", "عليكما", "عليهما", "عليهن", "عليكن",
    /* demonstratives and relatives */
    "هذا", "هذه", "هذان", "هاتان", "هذين", "هاتين", "هؤلاء", "ذلك", "تلك", "ذاك", "أولئك", "هنا", "هناك",
    "هنالك", "الذي", "التي", "الذين", "اللذان", "اللتان", "اللذين", "اللتين", "اللاتي",
    "اللواتي", "اللائي",
    /* the relatives as often misspelled with a doubled lam (اللتى = التي):
     * left out, their stems لت/لذ become rare terms that swamp a question */
    "اللتي", "اللذي",
    /* auxiliaries and very frequent function verbs */
    "كان", "كانت", "كانوا", "يكون", "تكون", "أكون", "نكون", "أكان", "يكن", "كنت", "ليس", "ليست", "لست", "ظل",
    "مازال", "لايزال", "لازال", "أصبح", "أصبحت", "تم", "يتم", "أصبحوا",
    /* a preposition joined to a demonstrative, relative or pronoun (1.3) */
    "لذلك", "بذلك", "لهذا", "بهذا", "لهذه", "بهذه", "فيما", "مما", "عما", "بما", "لديه",
    "لديها", "لديهم", "لدينا", "بأن", "بأنه", "بأنها", "بأنهم",
    /* (1.27) as بهذا, لهذا: the duals */
    "بهذين", "لهذين", "بهاتين", "لهاتين",
    /* detached conjunctions, and the clitics split off a Latin word or a
     * number (الـ5G, وOpenAI): see fh_clitics_ar */
    "و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "لل", "فال", "كال", "ولل", "وبال", "وب",
    "ول", "وك", "فب", "فل",
    NULL,
};
/* clang-format on */

/* (1.24) The stop words whose final ى is kept: normalization writes ى as ي
 * (مستشفى = مستشفي, فى = في), which made the preposition على one word with
 * the name علي, so the name was a stop word and shared على's postings (news:
 * 130,032 على against 3,790 علي, nearly all of them the name). Written with ى
 * (and as وعلى, فعلى) the word keeps its ى; written with ي it is the name.
 * Not إلى, حتى, لدى, سوى: their ي spellings are the same words misspelled or
 * function words of their own (لدي). */
const char *const fh_maksura_ar[] = {"على", NULL};

/* (1.27) Words of the guard lexicon (hunspell's) that are known only as they
 * stand, each of four letters (light10 looks up no others; the analyzer
 * refuses to start otherwise). Since 1.26 ان, ين, ون leave three letters, so these four-letter
 * words became their own suffix stems, and the suffixed forms of a
 * proclitic + word matched them: لعيني (for my eye) was لعين (cursed),
 * بدينه (with his religion) بدين (fat), وزينة (and adornment) وزين, وكونه
 * (and its being) وكون. As whole words they keep their letter; with a
 * suffix the proclitic goes. */
const char *const fh_whole_words_ar[] = {"لعين", "بدين", "بطين", "وزين", "وكون",
                                         "وهان", "ودان", "وتين", NULL};

/* (1.30) Verb forms X + يت whose X is also what comes before ية in a known
 * word: رأيت (I saw) beside راية (a flag). The ية rule (ya_word) holds them
 * as known words, so رأيته (I saw him, 1,288 tokens in 100,000 book
 * passages) keeps رأيت's stem and is not read as راية + ه, whose stem را
 * رأي (an opinion) shares. (1.35) Also نسيت (I forgot), سميت (I named: سمية,
 * toxicity, took سميته to سم, poison) and رميت (I threw), from an audit. */
const char *const fh_ya_verbs_ar[] = {"رأيت", "نسيت", "سميت", "رميت", NULL};

/* (1.33) Before a pronoun, ات after a word's letters is read as the ة of a
 * known word in اة (حياتهم is حياة + هم, not a plural), and the guard
 * lexicon holds rare broken plurals in اة (بناة, builders; جناة, سماة,
 * علاة) beside common plurals in ات of other words: these stay plurals
 * (بناتها, her daughters, is بنات + ها). Read once from the rule's changes
 * on the news corpus and 100,000 book passages. */
/* clang-format off */
const char *const fh_at_plurals_ar[] = {
    "بنات", "جنات", "سمات", "علات", "كرات", "نكات", "نيات", "محلات", "مسارات", NULL,
};
/* clang-format on */

/* Arabic proclitics that, glued to a Latin or digit run (وOpenAI, الـ5G,
 * بـ4%), are emitted as their own word instead of starting a mixed token. */
const char *const fh_clitics_ar[] = {
    "و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وبال",
    "فبال", "وب", "ول", "وك", "فب", "فل", "فك", "وكال", "فكال",
    NULL,
};

/* Words light10 would cut: place names ending in ان/ين (لبنان is not لبن,
 * milk), (1.16) names whose final ا or ending is their own and (1.21) words
 * whose ان, ين or ون is. A protected word loses no suffix, stripping stops
 * where what is left of a word is one (بيانها), and its stem joins the
 * guard lexicon (so rule 11 leaves its ا, and بدرعا, لناسا, لإعلان lose
 * their proclitic). */
/* clang-format off */
const char *const fh_protected_ar[] = {
    "لبنان", "إيران", "اليابان", "يابان", "السودان", "سودان", "عمان", "عُمان", "البحرين",
    "بحرين", "فلسطين", "الصين", "صين", "باكستان", "أفغانستان", "أذربيجان", "كازاخستان",
    "أوزبكستان", "طاجيكستان", "تركمانستان", "قيرغيزستان", "كردستان", "هندوستان", "داغستان",
    "الفلبين", "فلبين", "أرجنتين", "الأرجنتين", "طهران", "عمّان", "يريفان", "ميلان",
    "اليونان", "يونان", "أسوان", "تطوان", "وهران", "تلمسان", "جازان", "نجران", "حلوان",
    /* (1.16) names whose final ا is their own, which rule 11 read as a
       tanween alif (درعا -> درع, a shield; ناسا -> ناس, people), or whose
       ending light10 read as a suffix (أثينا -> اث, كورونا -> كورو). Not
       ريما, فيلا, صنعا, صيدا: as known words they would take كريما, كفيلا
       (generously, a guarantor) from rule 11 to rule 3, and صنعا, صيدا are
       also the accusative of صنع, صيد. ساما is kept although سامًا is
       toxic's: 62 of its 64 news uses are SAMA, the central bank */
    "درعا", "ناسا", "ماريا", "أنجيلا", "أريحا", "سكاكا", "ساما", "بنسلفانيا", "جوبا", "أوفا",
    "حيفا", "يافا", "طابا", "أثينا", "هافانا", "كورونا",
    /* (1.25) the name علي, a word of its own since على keeps its ى
       (fh_maksura_ar): light10 cut its ي, and عل was also العلة's, عله's */
    "علي",
    /* (1.21) words whose ان, ين or ون is their own, which light10 cut as
       the dual's, the plural's or the verb's ending (بيان -> بي, قانون ->
       قان, سلمان -> سلم, تحسين -> تحس, مليون -> مل), so they met
       unrelated short words and missed their own plurals (إعلان against
       إعلانات). The words common/analyze/data/gen_protected.py picks by
       a rule on word counts (docs/ANALYSIS.md §4, rule 5): the news
       corpus's, then the book corpus's own, most frequent first. */
    "مليون", "تعاون", "سلمان", "مهرجان", "شؤون", "بيان", "إنسان", "مكان", "طيران", "إعلان",
    "قانون", "رمضان", "سكان", "ملايين", "لجان", "قرآن", "سلطان", "برلمان", "حزيران", "إسكان",
    "فنان", "سليمان", "ديوان", "تعيين", "طالبان", "قوانين", "عنوان", "تلفزيون", "أركان",
    "تحسين", "عيون", "ضمان", "إخوان", "عثمان", "ميدان", "نيسان", "تشرين", "سرطان", "زمان",
    "أحيان", "تمارين", "عدوان", "إيمان", "كاميرون", "بنزين", "كيان", "أردوغان", "أديان",
    "اطمئنان", "لسان", "تكوين", "أسنان", "إمكان", "نيران", "كلينتون", "تريليون", "بوتين",
    "شبان", "تدشين", "جيرمان", "شيطان", "ظهران", "فقدان", "مران", "تخزين", "تدخين", "تمكين",
    "عيان", "حمدان", "سلوان", "جثمان", "توطين", "جرمان", "ميادين", "عدنان", "يمين", "حيوان",
    "جدران", "برلين", "كريستيان", "ائتمان", "عناوين", "جيران", "أنسولين", "روبيان", "ريان",
    "بنيان", "إدمان", "شياطين", "عمران", "ميزان", "نهيان", "صفيان", "فرسان", "أذهان", "مضمون",
    "قطان", "إحسان", "أعيان", "استحسان", "بنيامين", "مروان", "بلاتين", "يوان", "سمحان", "فوزان",
    "دخان", "استون", "طعون", "أشتون", "تباين", "استيطان", "فابيان", "سرعان", "ثنيان", "جمعان",
    "شرايين", "إتقان", "لوزان", "تهاون", "شيشان", "نسيان", "شئون", "أفلاطون", "يقين", "برهان",
    "رومان", "رهبان", "نابليون", "وجدان", "داروين", "سفيان", "أذان", "امتحان", "تليفون",
    "مطران", "نعمان", "طاعون", "رضوان", "خراسان", "عنان", "فتيان", "أزمان", "مساكين", "دواوين",
    "عصيان", "فدان", "سلاطين", "أحزان", "قسطنطين", "دكان", "ستالين", "أغصان", "طغيان", "طوفان",
    "تليفزيون", "فيضان", "هوان", "كاترين", "أوطان", "غلمان", "قبطان", "أوزان",
    "بساتين", "كتمان", "فاينمان", "إسبان", "إذعان", "عرفان", "قضبان", "كنعان", "ثعبان",
    "أجاممنون", "بلقان", "قربان", "ترجمان", "سبحان",
    /* (1.26) words whose ان, ين or ون is their own but whose rest X is
       another common word, so the count rule cannot see them (X is counted
       as the singular): تأمين was تام (complete), كربون كرب (distress),
       زيتون زيت (oil), فرعون فرع (a branch), مسكين مسك (musk). Read once
       from the rule's near misses (gen_protected.py, INCLUDED): news, then
       books, most frequent first. */
    "تأمين", "كربون", "مخزون", "آيفون", "ياسين", "تحصين", "براون", "برقان", "زيتون", "تموين",
    "عيبان", "تعدين", "تمرين", "رغدان", "هرمون", "لوران", "تقنين", "حسبان", "عليان", "جيزان",
    "تلوين", "قلمون", "روتين", "ميسان", "تدوين", "جبران", "جبرين", "سرحان", "بركان", "عجلان",
    "خلدون", "كرتون", "مأمون", "طولون", "بارون", "مسكين", "فرعون", "مجنون", "بستان", "هارون",
    "ريحان", "حوران", "دارون", "سعدون", "ماسون", "مرجان", "زيدان", "سكران",
    "حمدون", "قحطان", "غفران", "كلدان", "دهقان", "تلحين", "فرمان", "سمعان", "إيوان", "شيرين",
    "خلكان", "سحبان", "شيبان",
    /* (1.27) protein: روتين (routine) above would take its ب as a proclitic */
    "بروتين",
    /* (1.28) the month شعبان (was شعب, a people: الشعب is one of the news
       corpus's commonest words) and the name نسرين (was نسر, an eagle) */
    "شعبان", "نسرين",
    /* (1.29) the tens, which light10 cut to their units (ثلاثين was ثلاث,
       as ثلاثة; ستين ست); their nominative عشرون ... تسعون is written
       with ين first (light10.c, tens_nominative) */
    "عشرين", "ثلاثين", "أربعين", "خمسين", "ستين", "سبعين", "ثمانين", "تسعين",
    NULL,
};
/* clang-format on */

/* Common verbs that begin with a root و (or the و of form III), past-tense
 * base. The lexicon behind the و guard has no verbs, so وصلت, وقعت, وافقت lost
 * their first letter to the conjunction rule (صلت, قعت, افقت; وافق became افق,
 * horizon) while ووصلت kept it. Written without shadda (وقّع is وقع once
 * normalized). Each is added to the guard with the past-tense
 * subject suffixes ت تا وا نا تم and (1.12) the dual's ا, which is also the
 * spelling of the noun's tanween alif (وضعا, وصفا, وفقا: rule 11 then
 * joins them to وضع, وصف, وفق). وفق and وقت (1.12) are here for their nouns
 * too: وفقا (according to, 1,922 news tokens) was فقا, وقتها (at that time)
 * قت. وعى (1.15) for its noun وعي: وعيه was عي once the lexicon lost the
 * stop-word section's compositions, while وعي stays وع. Left out on
 * purpose: verbs whose و-less rest is a common word in its own right
 * (وردت/ردت, ودعت/دعت, وكلنا/كلنا), so the conjunction reading keeps winning
 * there; and the long hunspell verb list, which holds rare roots that would
 * keep وقوات, ولفت, وكنت whole. */
/* clang-format off */
const char *const fh_waw_verbs_ar[] = {
    "وصل", "وقع", "وجد", "وضع", "وجه", "ولد", "وفر", "وقف", "وصف", "وزع", "وثق", "وحد",
    "وظف", "وسع", "وطد", "وضح", "وعد", "وهب", "ورث", "وجب", "وافق", "واصل", "واجه",
    "واكب", "وفق", "وقت", "وعى",
    NULL,
};
/* clang-format on */

/* Countries and regions whose name ends in ا or يا, which their adjective
 * (the nisba) drops: روسيا, روسي (الروسية). As name, adjective pairs, for
 * the query side's country readings (fh_analyzer_country_adjective); the index
 * keeps the two apart. */
/* clang-format off */
const char *const fh_countries_ar[] = {
    "روسيا", "روسي", "سوريا", "سوري", "تركيا", "تركي", "أوروبا", "أوروبي",
    "فرنسا", "فرنسي", "بريطانيا", "بريطاني", "أمريكا", "أمريكي", "أميركا", "أميركي",
    "ألمانيا", "ألماني", "أفريقيا", "أفريقي", "إفريقيا", "إفريقي", "ليبيا", "ليبي",
    "إيطاليا", "إيطالي", "إسبانيا", "إسباني", "كوريا", "كوري", "أستراليا", "أسترالي",
    "سويسرا", "سويسري", "ماليزيا", "ماليزي", "إندونيسيا", "إندونيسي", "نيجيريا", "نيجيري",
    "كولومبيا", "كولومبي", "إثيوبيا", "إثيوبي", "أثيوبيا", "أثيوبي", "كينيا", "كيني",
    "تنزانيا", "تنزاني", "رومانيا", "روماني", "بلغاريا", "بلغاري", "صربيا", "صربي",
    "كرواتيا", "كرواتي", "أوكرانيا", "أوكراني", "أرمينيا", "أرميني",
    "موريتانيا", "موريتاني", "كندا", "كندي", "هولندا", "هولندي", "بولندا", "بولندي",
    "فنلندا", "فنلندي", "أيرلندا", "أيرلندي", "إيرلندا", "إيرلندي", "نيوزيلندا", "نيوزيلندي",
    "أوغندا", "أوغندي", "رواندا", "رواندي", "فنزويلا", "فنزويلي",
    "بلجيكا", "بلجيكي", "كمبوديا", "كمبودي", "ليبيريا", "ليبيري", "سلوفاكيا", "سلوفاكي",
    "سلوفينيا", "سلوفيني", "مقدونيا", "مقدوني", "بوليفيا", "بوليفي", "غانا", "غاني",
    "زامبيا", "زامبي", "ناميبيا", "ناميبي", "أنغولا", "أنغولي",
    NULL,
};
/* clang-format on */
