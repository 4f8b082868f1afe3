"""The demo's vocabulary: the words staff write in their logs, kept apart from the code using them.

Plain data, so the plan of events, the cells and the inbox layout draw on one list each and the
words can be read (or changed, which changes every seed's files) without reading the generator.
"""

from __future__ import annotations

MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
VENUES = (
    "Biblioteket",
    "Medborgarhuset",
    "Torget",
    "Kommunens Facebooksida",
    "Polisen.se",
    "Skolans aula",
    "Idrottshallen",
    "Gästhamnen",
    "Mässa i sporthallen",
)
ROADS = (
    "Infarten",
    "Rondellen",
    "Storgatan",
    "Skolvägen",
    "Industrivägen",
    "Busshållplatsen",
    "Parkeringen vid ICA",
)
AREAS = (
    "Södra Ekbacken",
    "Björkudden",
    "Norra Tallåsen",
    "Solberga",
    "Lindhagen",
    "Västra Granbacken",
    "Ängsgärdet",
    "Vitsippan",
    "Östra Hagtornet",
    "Sjöviksvägen",
)
COMMENTS = (
    "",
    "",
    "",
    "",
    "",
    "Bra uppslutning",
    "Gemensam insats",
    "Regn, färre än väntat",
    "Se minnesanteckningar",
    "Synpunkter om belysning vidarebefordrade",
    "Följs upp nästa tertial",
    "Flyers delades ut",
    "Ca-siffra",
)
USERS = ("anna.lind", "erik.berg", "maria.holm", "johan.ek")
# What the partners write on the Redovisning sheet, per kind of target: (source: 'first' or
# 'last' of the promise's sources, tertial, text, next step). {title} is the target's heading,
# {place} the last place it names, {district} the promise's last district.
NARRATIVES: dict[str, tuple[tuple[str, int, str, str], ...]] = {
    "walks": (
        (
            "last",
            1,
            "Vi har gått trygghetsvandringar tillsammans med polisen och boende. Synpunkter om "
            "belysning och buskage vid gångvägarna har lämnats till gatukontoret.",
            "Nästa vandring planeras till maj.",
        ),
        (
            "first",
            2,
            "Trygghetsvandringen vid {place} som var planerad till juli fick flyttas: poliserna "
            "behövdes vid sommarens skogsbränder. Vi har därför inte kunnat vara ute i den "
            "utsträckning vi önskat.",
            "Vandringen görs i stället i september, tillsammans med kommunen.",
        ),
    ),
    "every_district": (
        (
            "first",
            1,
            "Trafikkontroller av hastighet och nykterhet har gjorts i flera kommundelar, oftast "
            "vid infarterna och nära skolorna.",
            "Under sommaren kontrollerar vi i de kommundelar där vi inte har varit ännu.",
        ),
        (
            "first",
            3,
            "Under året har vi gjort trafikkontroller i alla kommundelar. Flest förare "
            "kontrollerades i samband med skolstarten i augusti.",
            "",
        ),
    ),
    "per_tertial": (
        (
            "last",
            2,
            "Rådet har träffats som planerat. Huvudfrågan var skolvägarna inför höstterminen.",
            "Synpunkter inför nästa möte tas emot av trafiksamordnaren på 070-123 45 67.",
        ),
    ),
    "new_areas": (
        (
            "last",
            3,
            "{title} har startats under året, men inget i {district}: där har intresset varit "
            "litet.",
            "Vi bjuder in till ett informationsmöte i {district} i början av nästa år.",
        ),
    ),
}
