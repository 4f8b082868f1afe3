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
