"""The refill guarantees of real catalogue names, each read as its panel meant it.

Surveyed in public code and pages (2026-11): panel database dumps, resellers' seed
data and storefronts that copy their provider's catalogue, and a panel's own legend.
SOURCES says where each name comes from; docs/refill-guarantees.md shows the same
table. Names are quoted as found, typos, emoji and styled letters included.
"""

# The names are quoted in their own scripts: letters that only look Latin are meant.
# ruff: noqa: RUF001

from __future__ import annotations

from pathlib import Path
import re

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.smmpanel.api import (
    LIFETIME_REFILL,
    MAX_REFILL_DAYS,
    NO_REFILL,
    RefillGuarantee,
    RefillTerm,
    refill_guarantee,
)
from custom_components.smmpanel.api.guarantee import MAX_TEXT_LENGTH

DOCS = Path(__file__).parents[2] / "docs" / "refill-guarantees.md"
# Files the code index found by their text without naming their repository.
UNNAMED = "repository not named by the code index"
SOURCES: dict[str, str] = {
    "bazid": "BazidAhmedLaskar/ba `script.js`: an Indian reseller's storefront, "
    "the provider's catalogue copied with its ids",
    "volan": "yudha2003/volan `starsos1_smm.sql`: an Indonesian panel's database "
    "dump, orders naming the provider's services (2023)",
    "beast8": "Israrsahib303/Beast8 `beast8.sql`: a Pakistani panel's database dump, "
    "services and descriptions imported from dilsmmpanel.com (2025)",
    "boostizi": "davronbekinagamzhanov-collab/BoostIZI `bot.py`: a Kazakh Telegram "
    "reseller of salemsmm.com",
    "socialmanedger": "Eduard-ua/socialmanedger "
    "`instagram/instsubscribers/index.php`: a Russian storefront",
    "ashaz": "ashbelz123-droid/AshAz-Boost `server.js`: a storefront's catalogue",
    "hypersmm": "https://hypersmm.in/page/faqs: the panel's legend of its names",
    "medanpedia": f"phpMyAdmin dump `smm_ci` of an Indonesian panel importing "
    f"MEDANPEDIA and BEARPEDIA (2022), {UNNAMED}",
    "chittu": f"phpMyAdmin dump `chittu` of an Indian panel importing cheapsmmhub.com "
    f"(2025), {UNNAMED}",
    "nextjs": f"`servicesData` of a React storefront, {UNNAMED}",
    "storefront": f"`platformData` of an Indian storefront, {UNNAMED}",
    "netlify": f"`servicesData` of a storefront on Netlify, {UNNAMED}",
    "autorefill": f"order page of a Russian React storefront, {UNNAMED}",
    "rupiah": f"order form of an Indonesian storefront, {UNNAMED}",
    "fanpage": f"PHP order page of a Vietnamese panel, {UNNAMED}",
    "mem": f"keyboards of a Vietnamese Telegram reseller, {UNNAMED}",
    "vn-form": f"order form of a Vietnamese storefront, {UNNAMED}",
    "fast70": f"service names of an Arabic Telegram reseller of fast70.com, {UNNAMED}",
    "smmturk": f"package page reselling SMM Turk service 9403, {UNNAMED}",
    "tr-tests": f"a Turkish reseller's refill detector tests, {UNNAMED}",
    "vexboost": f"a Russian reseller's name tokenizer tests, {UNNAMED}",
    "smmkings": f"`seedSMMKings.ts` of an Argentine reseller of smmkings.com "
    f"(descriptions), {UNNAMED}",
    "jap-pt": f"categories of a Portuguese-language Angular storefront reselling "
    f"JAP, {UNNAMED}",
    "mtp-pt": f"Portuguese translation table of a reseller's sync script, {UNNAMED}",
    "id-seed": f"SQL seed of an Indonesian digital shop, {UNNAMED}",
}


def days(count: int) -> RefillGuarantee:
    """Return a refill guarantee for `count` days."""
    return RefillGuarantee(RefillTerm.DAYS, count)


# (name, description or None, what it promises, source)
# fmt: off
CATALOGUE: list[tuple[str, str | None, RefillGuarantee | None, str]] = [
    ("Twitter Followers [ X ] | 100k/D | Non Refil | Super instant", None, NO_REFILL, "bazid"),
    ("Twitter Likes [ X ] | 100k/D | Super Fast | Refill 30 Days | instant ♻️⚡", None, days(30), "bazid"),
    ("Twitter Likes [ X ] | 100k/D | Super Fast | Refill - Lifetime | instant ♻️⚡", None, LIFETIME_REFILL, "bazid"),
    ("Instagram Followers | Old Accounts With 15 Posts | 30k Per Day | 30 Days Refill", None, days(30), "bazid"),
    ("Instagram Followers | Old Accounts With 15 Posts | 30k Per Day | 365 Days Refill", None, days(365), "bazid"),
    ("Instagram Followers | Old Accounts With 15 Posts | 30k Per Day ] - ⚡🔥", None, None, "bazid"),
    ("Instagram Zero Drop followers | Auto Refill Every 24 Hours |", None, None, "bazid"),
    ("Instagram Followers | Non Drop | Lifetime Refill | Ultra Fast | One Click Done I", None, LIFETIME_REFILL, "bazid"),
    ("Instagram Likes | Old Account With Profile Post | 50K Per Day | No Refill", None, NO_REFILL, "bazid"),
    ("Instagram Indian Mix Likes | Slow | 20K Per Day | 30 Days Refill|", None, days(30), "bazid"),
    ("IInstagram 90% Pure Active Indian Followers | Low Drop | 2K Per Day l Lifetime Refill | 1 Hour Start Time", None, LIFETIME_REFILL, "bazid"),
    ("Instagram Reels Views | No Stuck | 200-400k Per Hour|", None, None, "bazid"),
    ("TikTok Followers | HQ | Speed: Up To 50K/Day | R30 | MAX 150K ⚡🔥", None, days(30), "volan"),
    ("Tiktok Followers | Mix | Speed: Up To 20K/Day | AR30 | MAX 100K ♻️⛔🔥🔥", None, days(30), "volan"),
    ("Instagram Followers | HQ | Inastant | Fastest | R365 | MAX 1M ♻️ 🔥⚡️", None, days(365), "volan"),
    ("Instagram Likes | HQ | Speed: Up To 70K/Hour | Drop: 0-3% | No Refill | MAX 200K ⛔", None, NO_REFILL, "volan"),
    ("Instagram Like | Real | Max 200K | 500/Hour | Non Drop | No Refill |", None, NO_REFILL, "volan"),
    ("Tiktok Views | NEW | Start Time: Instant | Speed: 100-500K/Day | No Drop | MAX 3M ⛔", None, None, "volan"),
    ("Instagram Followers | Cheap | Fast | HQ | MAX 10K ⛔ ⚡️", None, None, "volan"),
    ("TikTok Followers | Real Monetizable | Speed 50K+ / DAY | 𝗟𝗶𝗳𝗲𝘁𝗶𝗺𝗲 𝗚𝘂𝗮𝗿𝗮𝗻𝘁𝗲𝗲 | ✅️🔥⚡", None, LIFETIME_REFILL, "beast8"),
    ("🆅🅸🅿 TikTok Likes | Premium | Real Profiles | Drop – No | Speed 50K+ / DAY | Start Time 0-5 Minutes | 𝗟𝗶𝗳𝗲𝘁𝗶𝗺𝗲 𝗚𝘂𝗮𝗿𝗮𝗻𝘁𝗲𝗲 | ✅️⭐️🔥⚡", "🔥 Start: 0–5 Minutes Max\r\n📉 Drop Ratio: 0% (2+ Years No Drop)\r\n✅ Guarantee: Yes Lifetime", LIFETIME_REFILL, "beast8"),
    ("TikTok Followers | Real Monitizable | Non Drop | Speed 100K+ / DAY | Start Time 0-5 Minutes | No Refill | ⛔🔥⚡", None, NO_REFILL, "beast8"),
    ("TikTok Likes | Speed 100+ / DAY | No Refill | ⛔🔥", "🕒 Start: 1 hour (max 2 hours)\r\n⚡ Speed: 100+ / in 24 hours\r\n❌ Refill: No Refill if Drop", NO_REFILL, "beast8"),
    ("TikTok Likes | Real HQ Profiles | Speed 1M+ / DAY | Start Time 0-5 Minutes | 30 Days Refill | ✅🔥⚡", "✅ Refill: 30 Days Guarantee  \r\n\r\n⚠️ Note: If drop happens within 30 days, refill will be given. After 30 days, no refill.", days(30), "beast8"),
    ("Canva Plus | Private | 30+ Days | 1 Device |", "30+ days replacement Gurantee \r\n\r\nSend order number on live chat for quick delivery", None, "beast8"),
    ("TikTok » Saves [ Lifetime ]", None, None, "beast8"),
    ("TikTok » Likes [ Drop – 0% ]", None, None, "beast8"),
    ("Facebook » Post Reactions [ Refill ]", None, None, "beast8"),
    ("Facebook » Watchtime [ 60k Minutes ]", None, None, "beast8"),
    ("🛡️ Подписчики [Гарантия 30 дней] R30", None, days(30), "boostizi"),
    ("🛡️ TikTok Подписчики [R30] (Высокое качество)", None, days(30), "boostizi"),
    ("💎 Лайки KZ [Гарантия 1 ГОД] Luxe", None, days(365), "boostizi"),
    ("📉 Лайки [Дешевые] (Без гарантии)", None, NO_REFILL, "boostizi"),
    ("📉 Подписчики [Эконом] (Возможны списания)", None, None, "boostizi"),
    ("💎 TikTok Лайки [ВЕЧНЫЕ / Без списаний]", None, None, "boostizi"),
    ("🔴 Эфир [30 мин] (Зрители)", None, None, "boostizi"),
    ("Instagram - АКЦИЯ! Подписчики (без гарантии, много списаний)", None, NO_REFILL, "socialmanedger"),
    ("Instagram Followers - Cheapest Market", "⚡ Instant start | 🔒 No password | 👤 Mixed quality | ❌ No refill", NO_REFILL, "ashaz"),
    ("YouTube Subscribers", "📺 Stable growth | ⚠️ Drop possible | ❌ No refill", NO_REFILL, "ashaz"),
    ("Instagram Views - HQ", "👁️ High retention | ⚡ Super fast | ✅ Safe", None, "ashaz"),
    ("Instagram Followers [5K] [6H - 5K/D - R30]", None, days(30), "hypersmm"),
    ("Instagram Followers [5K] [6H - 5K/D - R120]", None, days(120), "hypersmm"),
    ("Instagram Followers [5K] [6H - 5K/D - R∞]", None, LIFETIME_REFILL, "hypersmm"),
    ("Youtube Like JT 3 [ 30 Days Refill - Max 5K ] [ Speed 100+/D ]", "- NON DROP so far - 30 days Refill Guarantee\r\n\r\nNOTE :\r\n- No Refund after order placed\r\n- No Refill if Old Likes Drop Below Start Count .", days(30), "medanpedia"),
    ("Youtube Like JT 4 [ TERMURAH ][ R30 - 10K ][ 200+/D ] ", "- Instant\r\n- Non drop -\r\n- Guarantee: 30 days refill if any drop", days(30), "medanpedia"),
    ("Youtube Like JT 5 [ TERMURAH ][ NO REFILL- 10K ][ 10K+/D ]", "- Instant Start\r\n- No refill / No refund with any reason .", NO_REFILL, "medanpedia"),
    ("Instagram Followers Refill JT 2 (6K) (30 days Refill ) ", None, days(30), "medanpedia"),
    ("Instagram Followers Refill JT 3 [REFILL 30] Real dan aktif", "Refill Guarantee : 30 Days ( Refill Button )", days(30), "medanpedia"),
    ("Instagram Followers Refill JT 12 [ REAL ] [ STABIL ] BONUS+++", "Speed : 500-1000 / day, Small Order Deliver Faster\r\nGuaranteed: 30 days Guaranteed", days(30), "medanpedia"),
    ("Instagram Followers Refill Server 8 [ Real,Mixed ] [ Refill 10D ][ Best Market ]⚡️⭐⭐ ", "- Non drop atau sedikit drop sejauh ini\r\n- Garansi: isi ulang 10 hari jika drop", days(10), "medanpedia"),
    ("Instagram Followers Refill Server 12 [ Refill 99Day ][ mix ]", None, days(99), "medanpedia"),
    ("Twitter Followers Server 2 [ refill 30Days ] [ Real  ] ", None, days(30), "medanpedia"),
    ("Youtube Like JT 8 [ Lifetime Guaranted and Cheapest ] ", None, LIFETIME_REFILL, "medanpedia"),
    ("Youtube Views server 10 [ LIFETIME ][ FASTEST IN THE MARKET ]", "Speed 1 Million Per Day\r\nInstant Start\r\nNON-Drop\r\nLife Time Guarantee", LIFETIME_REFILL, "medanpedia"),
    ("Soundcloud Followers JT 2 [ USA ] ~ Instant ", "Start Time: Instant - 12 hours\r\nSpeed: 1K-2K/ day\r\nRefill: 30 days\r\nSpecs: Mix Quality !", days(30), "medanpedia"),
    ("Telegram Post Views [10K] [Last 1] ", "Start Time: Instant - 1 hour\r\nSpeed: 10K to 20K/ day\r\nRefill: no\r\nSpecs: Latest Post", NO_REFILL, "medanpedia"),
    ("TIK TOK Likes S7 [ Real Looking ] 1k-5k/day", "No Refill", NO_REFILL, "medanpedia"),
    ("TIK TOK FOLLOWERS Server 2 [ no refill ] [baca deskripsi]", "1k-5k/day\r\nGunakan link video untuk followers jangan link profil\r\nNo Guarantee", NO_REFILL, "medanpedia"),
    ("Twitter Retweets Server 1 [ Max 3K ]⚡️⚡️", "Top Quality UK Active Profiles\r\n7 day Auto Refill\r\n200 Per day", days(7), "medanpedia"),
    ("Youtube Like JT 6 [ Best Seller ][ AUTO Refill ] ", "Instant\r\n30 days refill\r\nSpeed 200+/hari", days(30), "medanpedia"),
    ("Twitch Followers 100K/days", "No Drop & 30 Day Refill Guarantee!\r\nStarts in 5 minute", days(30), "medanpedia"),
    ("Instagram Followers JT 33 [ NON DROP | BONUS 0-5% ] [ 2k/Day ]⚡️", "waktu proses 0-1jam\r\nkecepatan 1k-3k/hari\r\nno drop\r\nkalo drop kemungkinan sangat dikit dan no refill", NO_REFILL, "medanpedia"),
    ("Youtube Live Stream Views [ REAL ][ BETA ]", "- Layanan Beta - itu berarti layanan yang ditawarkan apa adanya tanpa jaminan isi ulang!", NO_REFILL, "medanpedia"),
    ("Instagram Followers JT 31 [ LESS DROP | DROP 10-20% ] ", "1k in 1 minutes\r\n80% real\r\nKemungkinan drop 10-20% jika anda memesan 1000+", None, "medanpedia"),
    ("Instagram Live Video Views [ untuk durasi 10 menit ]", None, None, "medanpedia"),
    ("Instagram - Followers [ No Guaranteed / No Refill ]", None, NO_REFILL, "medanpedia"),
    ("Instagram - Followers [ Guaranteed 90-365 Days ]", None, days(90), "medanpedia"),
    ("Instagram - Followers [ Guaranteed 15-30 Days ]", None, days(15), "medanpedia"),
    ("Instagram - Followers [ Guaranteed Lifetime ]", None, LIFETIME_REFILL, "medanpedia"),
    ("Instagram Followers Indonesia Guaranted/Refill", None, None, "medanpedia"),
    ("Instagram Followers [guaranteed]", None, None, "medanpedia"),
    ("Telegram Members [ 30 - 90Days Refill ]", None, days(30), "chittu"),
    ("Telegram Members [ 120 - Lifetime Refill ]", None, days(120), "chittu"),
    ("Telegram Members Non-Guaranteed", None, NO_REFILL, "chittu"),
    ("X-Twitter Followers  [ 30Days Refill ]", None, days(30), "chittu"),
    ("Youtube Views ✨ [ HQ With Refill ]", None, None, "chittu"),
    ("Instagram Followers [ Lifetime 💎 ]", None, None, "chittu"),
    ("Youtube AdWord Views [0% Drop]", None, None, "chittu"),
    ("Facebook 60K Minutes WatchTime", None, None, "chittu"),
    ("Instagram Followers [Good Quality] [30D Refill]", None, days(30), "nextjs"),
    ("Instagram Followers [ High Quality ] [ 365D Refill ] [ Recommended ]", None, days(365), "nextjs"),
    ("TikTok Followers [ High Quality ] [ No Refill ] [ Less Drops ]", None, NO_REFILL, "nextjs"),
    ("[X] Twitter Followers [ Premium ] [ Stable ] [ Refill: 30 Days ]", None, days(30), "nextjs"),
    ("YouTube Subscriber [ Lifetime Guaranteed ] [ Slow speed ]⚡️", None, LIFETIME_REFILL, "nextjs"),
    ("100 Views [ Nondrop ] [ Lifetime ]", None, None, "nextjs"),
    ("Instagram Live Views [ 30 Mins ]", None, None, "nextjs"),
    ("1220 - Instagram Followers | Real Profile Accounts | Less Drop - 100K/Day - Max Unlimited | 0–10 Min Start - 60D Refill 🔄", None, days(60), "storefront"),
    ("881 — Instagram Likes | Real Profiles | 100% Non Drop | 500K+ Per Day | 60 Days Refill♻️ | 0–10 Minutes Start", None, days(60), "storefront"),
    ("884 — Instagram Likes | Real Profiles ✓ | 100% Non Drop | 500K+ Per Day | Life Time Refill♻️ | 0–10 Minutes Start", None, LIFETIME_REFILL, "storefront"),
    ("2623 — 🇮🇳Instagram Reels views [ Non-Drop] 500K/1M Days ULTRA FAST 0–5 Minutes Start Life-timeRefill♻️", None, LIFETIME_REFILL, "storefront"),
    ("1072 - Instagram Followers | 100% Real Accounts - Non Drop | 300K/Day - Max Unlimited | 0–2 Min Start - No Refill 🔄", None, NO_REFILL, "storefront"),
    ("2693 — 🇮🇳Instagram Photo & Post Views | Photo + Post + Image   Impressions | Non Drop | 1M+ Per Day | 0–1 Minutes Start", None, None, "storefront"),
    ("▶️ YouTube Subscribe | R30 | Instant Start | Per Day 20-50 | No Drop | %100 Working", None, days(30), "netlify"),
    ("▶️ YouTube Views | Lifetime Refill | Start in 0-4 Hours | No Drop | Per Day 5K", None, LIFETIME_REFILL, "netlify"),
    ("😊 Instagram Followers | Cancel Button ❌ | 30 Days Refill | Per Day 50K", None, days(30), "netlify"),
    ("🎵 TikTok Followers | Global Users | NR | Instant Start | 30K Per Day", None, NO_REFILL, "netlify"),
    ("😊 Instagram Likes | Real | Instant | 5K Per Day", None, None, "netlify"),
    ("Instagram Followers - [REAL+ AUTOREFILL 30D]", None, days(30), "autorefill"),
    ("IG Followers [Max 10K] [Refill 30D] - Rp 15.000/K", None, days(30), "rupiah"),
    ("IG Followers [Max 50K] [No Refill] - Rp 8.000/K", None, NO_REFILL, "rupiah"),
    ("Server Fanpage 1 (<b><?= $gia1; ?>₫</b>) ( Like + Follow page nhanh,gửi riêng admin . Bảo hành 30 ngày)", None, days(30), "fanpage"),
    ("Mem không tụt bảo hành 30 ngày", None, days(30), "mem"),
    ("Mem không tụt bảo hành 120 ngày", None, days(120), "mem"),
    ("Mem ít tụt không bảo hành", None, NO_REFILL, "mem"),
    ("Facebook Followers | Max 10M | All Type Page/Profile | Vietnamese + Global | 1k-5k/day - Instant - REFILL 30D", None, days(30), "vn-form"),
    ("مشاهدات 👁 كيك ( ضمان 30 يوم) 🚀", None, days(30), "fast70"),
    ("تعليقات💬كواي عرب مخصص(ضمان 30يوم)🚀", None, days(30), "fast70"),
    ("متابعين 👤 كيك (بدون ضمان) الأرخص 🎁", None, NO_REFILL, "fast70"),
    ("متابعين 👤 سبوتيفاي ( مدى الحياة ) 🚀", None, None, "fast70"),
    ("متابعين انستاكرام - ثابت 100% -زيادة 20%- تعويض 6 أشهر", None, days(180), "fast70"),
    ("متابعين انستاكرام - ثابت 100%-زيادة 80% -تعويض لمدة 6 أشهر", None, days(180), "fast70"),
    ("متابعين انستغرام - ثابت 100% -زيادة 40%- تعويض 90 يوم", None, days(90), "fast70"),
    ("متابعين انستاكرام - الأرخص - بدون تعويض", None, NO_REFILL, "fast70"),
    ("لايكات تيكتوك + مشاهدات - حسابات حقيقية مختلطه - تعويض 10 أيام", None, days(10), "fast70"),
    ("مشاهدات تيكتوك حقيقية - من الاعلانات- ضمان مدى الحياة - بدون نزول", None, LIFETIME_REFILL, "fast70"),
    ("مشاهدات فيديو فيسبوك | ريلز و عادي | تعويض تلقائي", None, None, "fast70"),
    ("اعضاء تليكرام - قناة عامه - ضمان 60يوم", None, days(60), "fast70"),
    ("اعضاء تليكرام بريميوم ضمان 7 أيام", None, days(7), "fast70"),
    ("اعضاء تليكرام بريميوم ضمان 15-30 يوم", None, days(15), "fast70"),
    ("مشاهدات 👁 كيك بث مباشر ( 30 دقيقة ) 🚀", None, None, "fast70"),
    ("Instagram Takipçi [30 Gün Garantili]", None, days(30), "smmturk"),
    ("Instagram Takipçi | 30 Gün Garantili", None, days(30), "tr-tests"),
    ("YouTube Abone | %100 Türk | Garantisiz", None, NO_REFILL, "tr-tests"),
    ("Telegram Подписчики [Без гарантии] [Быстрые] (Live VexBoost)", None, NO_REFILL, "vexboost"),
    ("Telegram Members [Без гарантий]", None, NO_REFILL, "vexboost"),
    ("Telegram Boosts [без восстановления]", None, NO_REFILL, "vexboost"),
    ("VK Followers [Без автодокрутки]", None, None, "vexboost"),
    ("VK Likes [Автодокрутка 30 дней]", None, days(30), "vexboost"),
    ("Twitter Followers [С гарантией 365 дней]", None, days(365), "vexboost"),
    ("TikTok Followers ♻️ 30 days", None, days(30), "vexboost"),
    ("YouTube Views [Refill 60d] [Non-Drop]", None, days(60), "vexboost"),
    ("VK Likes [0d refill] [Fast]", None, NO_REFILL, "vexboost"),
    ("Twitter Followers [0 day refill]", None, NO_REFILL, "vexboost"),
    ("TikTok Followers [non-refill] [Instant]", None, NO_REFILL, "vexboost"),
    ("YouTube Views [Without Warranty] 10k/day", None, NO_REFILL, "vexboost"),
    ("Instagram Likes [no drop protection]", None, None, "vexboost"),
    ("Instagram Followers – Básico", "Seguidores mixtos de entrega instantánea. Ideal para comenzar. Sin reposición.", NO_REFILL, "smmkings"),
    ("Instagram Followers – Premium 30d", "Seguidores HQ con reposición automática 30 días. Si caen, se reponen gratis.", days(30), "smmkings"),
    ("Instagram Followers – Elite 365d", "Seguidores HQ con reposición automática 365 días. Máxima garantía anual.", days(365), "smmkings"),
    ("Instagram Followers – Max 1M", "Seguidores HQ mixtos hasta 1 millón con reposición 30 días.", days(30), "smmkings"),
    ("Instagram Likes – Premium", "Likes de cuentas reales HQ con reposición automática.", None, "smmkings"),
    ("ECONOMICO - Sem Reposição", None, NO_REFILL, "jap-pt"),
    ("STANDART - Alta Qualide, reposição 30 dias", None, days(30), "jap-pt"),
    ("ECONOMICO - Views, reposição 365 dias", None, days(365), "jap-pt"),
    ("PREMIUM - Alta Qualidade, não caem", None, None, "jap-pt"),
    ("PREMIUM - Views, sem drop out, alta qualidade", None, None, "jap-pt"),
    ("PREMIUM - Visualizações durante 30 dias, alta qualidade", None, None, "jap-pt"),
    ("Reposição 30 Dias", None, days(30), "mtp-pt"),
    ("Garantia Vitalícia", None, LIFETIME_REFILL, "mtp-pt"),
    ("1000 Instagram Followers (High Quality)", "Followers real account, garansi refill 30 hari. Proses 1-24 jam. Masukkan username tanpa @.", days(30), "id-seed"),
]
# fmt: on

# Wordings the survey did not meet, in languages the patterns cover: constructed.
CONSTRUCTED: list[tuple[str, RefillGuarantee | None]] = [
    ("Seguidores Instagram [Garantía 30 días]", days(30)),
    ("Seguidores [Sin garantía]", NO_REFILL),
    ("Seguidores [Garantia de 30 dias]", days(30)),
    ("Seguidores [Reposição Vitalícia]", LIFETIME_REFILL),
    ("Instagram Followers [ Garansi 30 Hari ]", days(30)),
    ("Instagram Followers [ Tanpa Garansi ]", NO_REFILL),
    ("Instagram Followers [ 2 Minggu Garansi ]", days(14)),
    ("Instagram Takipçi [1 Yıl Garantili]", days(365)),
    ("INSTAGRAM TAKİPÇİ [30 GÜN GARANTİLİ]", days(30)),
    ("Instagram Takipçi [Telafisiz]", NO_REFILL),
    ("Подписчики [гарантия на 3 месяца]", days(90)),
    ("Подписчики [пожизненная гарантия]", LIFETIME_REFILL),
    ("متابعين ضمان ٣٠ يوم", days(30)),
    ("متابعين بضمان 2 شهر", days(60)),
    ("متابعين - غير مضمون", NO_REFILL),
    ("इंस्टाग्राम फॉलोअर्स [30 दिन रिफिल]", days(30)),
    ("इंस्टाग्राम फॉलोअर्स [30 दिन की गारंटी]", days(30)),
    ("इंस्टाग्राम फॉलोअर्स [आजीवन रिफिल]", LIFETIME_REFILL),
    ("इंस्टाग्राम फॉलोअर्स [बिना रिफिल]", NO_REFILL),
    ("فالوور اینستاگرام گارانتی ۳۰ روزه", days(30)),
    ("فالوور اینستاگرام بدون گارانتی", NO_REFILL),
    ("Follower Việt Nam bảo hành 3 tháng", days(90)),
    ("Instagram Follower [30 Tage Garantie]", days(30)),
    ("Instagram Follower [ohne Garantie]", NO_REFILL),
    ("Abonnés Instagram [Garantie 30 jours]", days(30)),
    ("Follower Instagram [Garanzia 1 anno]", days(365)),
    ("Instagram volgers [30 dagen garantie]", days(30)),
    ("Obserwujący [Gwarancja 30 dni]", days(30)),
    ("Obserwujący [bez gwarancji]", NO_REFILL),
    ("Instagram Followers [Refill 2W]", days(14)),
    ("Instagram Followers [1 Month Refill] [Max 1M]", days(30)),
    ("Instagram Followers [Refill: 2 Years]", days(730)),
    ("ＲＥＦＩＬＬ ３０ ＤＡＹＳ", days(30)),
]

# Numbers that are not refill periods, and signs of a refill without its period.
NOT_A_PROMISE = [
    "1000 Instagram Followers",
    "Instagram Followers [Max 1M] [30K/Day]",
    "Instagram Auto Likes [30 Days]",
    "Instagram Auto Likes | 30 Days Subscription | 100 Posts",
    "Instagram Likes [ 30 Days ] [ Refill ]",
    "Facebook Live Stream Views [ 60 Minutes ]",
    "YouTube Watch Time [ 4000 Hours ]",
    "Instagram Followers [ Refill Button ]",
    "Instagram Followers [ Auto Refill ]",
    "Instagram Followers ♻️",
    "Instagram Followers [ Guaranteed ]",
    "Instagram Followers [ Non Drop ] [ Lifetime ]",
    "Instagram Followers R9999",
    "Instagram Followers [ Refill 99999 Days ]",
    "Instagram Followers [ Refill 0-30 Days ]",
    "Instagram Followers Nr 1",
    "Instagram Followers Nr. 2",
    "Instagram Followers [ Refill 1M ]",
    "Instagram Followers | Drop 0-5% | Speed 30-50K/Day",
    "Instagram Followers [No Refill if you go private] [Auto Refill]",
    "",
]


def unescape_cell(cell: str) -> str:
    """Return a name as written in a Markdown table cell, unescaped."""
    return cell.replace("\\|", "|")


@pytest.mark.parametrize(
    ("name", "description", "promise"),
    [(name, description, promise) for name, description, promise, _ in CATALOGUE],
    ids=[f"{source}-{name[:40]}" for name, _, _, source in CATALOGUE],
)
def test_catalogue_name_reads_as_meant(
    name: str, description: str | None, promise: RefillGuarantee | None
) -> None:
    """Each surveyed name (and description) promises what its panel meant, any case."""
    assert refill_guarantee(name, description) == promise
    assert refill_guarantee(name.upper(), description and description.lower()) == (
        promise
    )


@pytest.mark.parametrize(
    ("name", "promise"), CONSTRUCTED, ids=[n for n, _ in CONSTRUCTED]
)
def test_vocabulary_of_each_language_reads(
    name: str, promise: RefillGuarantee | None
) -> None:
    """The units and words of languages the survey met less, read the same way."""
    assert refill_guarantee(name) == promise


@pytest.mark.parametrize("name", NOT_A_PROMISE)
def test_numbers_and_signs_without_a_period_promise_nothing(name: str) -> None:
    """Quantities, speeds, subscriptions and a refill without its period: unknown."""
    assert refill_guarantee(name) is None


def test_survey_covers_each_answer_from_several_sources() -> None:
    """Periods, lifetimes, no refill and unknowns each come from several sources."""
    sources: dict[RefillTerm | None, set[str]] = {}
    for _, _, promise, source in CATALOGUE:
        term = None if promise is None else promise.term
        sources.setdefault(term, set()).add(source)
    assert set(sources) == {*RefillTerm, None}
    assert all(len(found) >= 4 for found in sources.values()), sources
    assert set(SOURCES) == {source for *_, source in CATALOGUE}


def test_docs_table_lists_the_surveyed_names_and_sources() -> None:
    """docs/refill-guarantees.md shows the same names, answers and sources."""
    rows = {
        unescape_cell(match[1]): (match[3], match[4])
        for match in re.finditer(
            r"^\| `(.+?)` \| (.*?) \| (.+?) \| (\S+) \|$",
            DOCS.read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    }
    for name, _, promise, source in CATALOGUE:
        assert name.strip() in rows, name
        answer, documented_source = rows[name.strip()]
        assert answer == describe(promise), name
        assert documented_source == source, name
    text = DOCS.read_text(encoding="utf-8")
    for key, citation in SOURCES.items():
        assert f"| {key} | {citation} |" in text, key


def describe(promise: RefillGuarantee | None) -> str:
    """Return how the docs table writes a promise."""
    if promise is None:
        return "unknown"
    if promise.term is RefillTerm.DAYS:
        return f"{promise.days} days"
    return promise.term.replace("_", " ")


def test_the_name_outweighs_the_description() -> None:
    """The description is read only when the name states nothing."""
    description = "Refill: 30 days"
    assert refill_guarantee("Followers | No Refill", description) == NO_REFILL
    assert refill_guarantee("Followers | R60", description) == days(60)
    assert refill_guarantee("Followers", description) == days(30)
    assert refill_guarantee("Followers", "") is None
    assert refill_guarantee("Followers", None) is None


def test_a_stated_period_makes_no_refill_a_condition() -> None:
    """A "no refill" beside a period or after "if" is a condition, not the promise."""
    medanpedia = next(
        description
        for name, description, _, _ in CATALOGUE
        if name.startswith("Youtube Like JT 3")
    )
    assert refill_guarantee("Youtube Like JT 3", medanpedia) == days(30)
    assert refill_guarantee("Likes", "No refill if you change username") is None
    assert refill_guarantee("Likes", "No refill if the order drops") == NO_REFILL
    assert refill_guarantee("Likes", "No refill. Non drop.") == NO_REFILL


def test_a_denied_promise_is_no_refill() -> None:
    """A promise word after a negation promises nothing: "No Refill 30 days"."""
    assert refill_guarantee("Followers [No Refill 30 Days]") == NO_REFILL
    assert refill_guarantee("Followers [Sem Reposição 30 dias]") == NO_REFILL
    assert refill_guarantee("Followers [Without Lifetime Guarantee]") is None
    assert refill_guarantee("Casino Followers [Refill 30 Days]") == days(30)


def test_several_periods_promise_the_shortest() -> None:
    """Ranges and several stated periods promise what every reading grants."""
    assert refill_guarantee("Followers [Refill 30D - 365D]") == days(30)
    assert refill_guarantee("Followers [Lifetime Refill] [R90]") == days(90)
    assert refill_guarantee("Followers [R30] [R9999]") == days(30)


def test_only_the_beginning_of_a_long_text_is_read() -> None:
    """At most MAX_TEXT_LENGTH characters of a description are read."""
    promise = " Refill: 30 days"
    near = "x" * (MAX_TEXT_LENGTH - len(promise)) + promise
    assert refill_guarantee("Followers", near) == days(30)
    assert refill_guarantee("Followers", "x" * len(promise) + near) is None


def test_markup_is_only_text() -> None:
    """Names carrying markup or scripts are read as text, never interpreted."""
    assert refill_guarantee("<b>Refill 30 Days</b>") == days(30)
    assert refill_guarantee('<script>alert("No Refill")</script>') == NO_REFILL
    assert refill_guarantee("<img src=x onerror=alert(1)> Followers") is None
    assert refill_guarantee("{{ states('sensor.x') }} [R30]") == days(30)


@pytest.mark.parametrize(
    ("term", "count"),
    [
        (RefillTerm.DAYS, None),
        (RefillTerm.DAYS, 0),
        (RefillTerm.DAYS, MAX_REFILL_DAYS + 1),
        (RefillTerm.LIFETIME, 30),
        (RefillTerm.NO_REFILL, 30),
    ],
)
def test_a_guarantee_holds_days_only_for_a_period(
    term: RefillTerm, count: int | None
) -> None:
    """A period has 1 to MAX_REFILL_DAYS days; a lifetime or no refill has none."""
    with pytest.raises(ValueError):
        RefillGuarantee(term, count)


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=MAX_REFILL_DAYS))
def test_every_sensible_period_reads_back(count: int) -> None:
    """Any period from one day to the limit reads back in each common spelling."""
    for name in (f"Refill {count} Days", f"[{count}D Refill]", f"R{count}"):
        assert refill_guarantee(f"Instagram Followers {name}") == days(count), name


@settings(deadline=None)
@given(st.integers(min_value=MAX_REFILL_DAYS + 1, max_value=99_999))
def test_an_absurd_period_is_not_believed(count: int) -> None:
    """A period longer than the limit is a misread number: unknown."""
    assert refill_guarantee(f"Instagram Followers [Refill {count} Days]") is None


# fmt: off
WORDS = st.sampled_from(
    [
        "refill", "Refill:", "R30", "AR", "r", "no", "non", "NR", "lifetime", "∞",
        "30", "0", "365", "99999", "-", "–", "[", "]", "|", "days", "D", "month",
        "1M", "30K/Day", "if", "drop", "ضمان", "يوم", "بدون", "гарантия", "дней",
        "без", "garansi", "hari", "bảo hành", "ngày", "♻️", "𝗟𝗶𝗳𝗲𝘁𝗶𝗺𝗲", "Gün",
        "İ", "\u0307", "\ufe0f", "\n", " ", "",
    ]
)
# fmt: on


# No deadline: the machine's load, not the reader, decides how long an example takes.
@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.text(), st.lists(WORDS, max_size=30).map(" ".join)),
    st.one_of(st.none(), st.text(), st.lists(WORDS, max_size=30).map("".join)),
)
def test_any_text_reads_to_a_sensible_answer(
    name: str, description: str | None
) -> None:
    """No text makes the reader fail, or promise a negative or absurd period."""
    promise = refill_guarantee(name, description)
    assert promise is None or isinstance(promise, RefillGuarantee)
    if promise is not None and promise.term is RefillTerm.DAYS:
        assert promise.days is not None
        assert 1 <= promise.days <= MAX_REFILL_DAYS
