"""Reference tables of the synthetic bank: merchant categories, countries, postcode areas.

They are small, fixed and shared by the customer and transaction generators, so
they live here as module constants and are written to ``raw/`` unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "HOME_COUNTRY",
    "MCC_TABLE",
    "COUNTRY_TABLE",
    "POSTCODE_TABLE",
    "MERCHANT_MCCS",
    "ATM_MCC",
    "LOAN_DD_MCC",
    "BILL_MCCS",
    "CNP_BURST_MCCS",
    "mcc_frame",
    "country_frame",
    "postcode_frame",
]

HOME_COUNTRY = "IE"

# mcc, description, category_group, median amount (EUR), share of card spend
_MCC_ROWS: list[tuple[int, str, str, float, float]] = [
    (5411, "Grocery stores, supermarkets", "groceries", 38.0, 0.24),
    (5499, "Convenience and food stores", "groceries", 9.0, 0.08),
    (5812, "Restaurants", "eating_out", 34.0, 0.07),
    (5814, "Fast food", "eating_out", 11.0, 0.08),
    (5541, "Service stations", "transport", 52.0, 0.07),
    (4111, "Local commuter transport", "transport", 6.5, 0.06),
    (4121, "Taxis and ride hailing", "transport", 17.0, 0.03),
    (5311, "Department stores", "retail", 48.0, 0.04),
    (5651, "Clothing stores", "retail", 55.0, 0.04),
    (5732, "Electronics stores", "retail", 120.0, 0.02),
    (5912, "Pharmacies", "health", 18.0, 0.04),
    (8011, "Doctors and medical services", "health", 60.0, 0.01),
    (5942, "Book stores", "leisure", 16.0, 0.02),
    (7832, "Cinemas", "leisure", 14.0, 0.02),
    (7997, "Clubs and sports", "leisure", 40.0, 0.02),
    (4511, "Airlines", "travel", 160.0, 0.01),
    (7011, "Hotels and lodging", "travel", 140.0, 0.01),
    (5815, "Digital media and subscriptions", "digital", 10.0, 0.04),
    (5816, "Digital games", "digital", 8.0, 0.02),
    (5999, "Miscellaneous retail and online marketplaces", "retail", 25.0, 0.06),
    (6011, "ATM cash withdrawal", "cash", 0.0, 0.0),
    (6012, "Financial institutions: loan and card repayments", "financial", 0.0, 0.0),
    (4900, "Utilities: electricity, gas, water", "bills", 0.0, 0.0),
    (4814, "Telecommunication services", "bills", 0.0, 0.0),
    (6300, "Insurance", "bills", 0.0, 0.0),
]

MCC_TABLE = pd.DataFrame(
    _MCC_ROWS, columns=["mcc", "description", "category_group", "median_amount", "card_share"]
)
MERCHANT_MCCS = MCC_TABLE.loc[MCC_TABLE["card_share"] > 0, "mcc"].to_numpy()
MERCHANT_MEDIANS = MCC_TABLE.loc[MCC_TABLE["card_share"] > 0, "median_amount"].to_numpy()
_shares = MCC_TABLE.loc[MCC_TABLE["card_share"] > 0, "card_share"].to_numpy()
MERCHANT_SHARES = _shares / _shares.sum()
ATM_MCC = 6011
LOAN_DD_MCC = 6012
BILL_MCCS = np.array([4900, 4814, 6300])
CNP_BURST_MCCS = np.array([5815, 5816, 5999])

# country_code, country_name, region, weight as a usual foreign country of a customer
_COUNTRY_ROWS: list[tuple[str, str, str, float]] = [
    ("IE", "Ireland", "Europe", 0.0),
    ("GB", "United Kingdom", "Europe", 0.30),
    ("ES", "Spain", "Europe", 0.14),
    ("FR", "France", "Europe", 0.10),
    ("US", "United States", "North America", 0.12),
    ("DE", "Germany", "Europe", 0.06),
    ("NL", "Netherlands", "Europe", 0.06),
    ("IT", "Italy", "Europe", 0.05),
    ("PT", "Portugal", "Europe", 0.05),
    ("BE", "Belgium", "Europe", 0.02),
    ("LU", "Luxembourg", "Europe", 0.03),
    ("PL", "Poland", "Europe", 0.03),
    ("CA", "Canada", "North America", 0.02),
    ("GR", "Greece", "Europe", 0.02),
    ("HR", "Croatia", "Europe", 0.0),
    ("CZ", "Czechia", "Europe", 0.0),
    ("AT", "Austria", "Europe", 0.0),
    ("CH", "Switzerland", "Europe", 0.0),
    ("SE", "Sweden", "Europe", 0.0),
    ("DK", "Denmark", "Europe", 0.0),
    ("TR", "Turkey", "Europe", 0.0),
    ("MA", "Morocco", "Africa", 0.0),
    ("ZA", "South Africa", "Africa", 0.0),
    ("NG", "Nigeria", "Africa", 0.0),
    ("AE", "United Arab Emirates", "Middle East", 0.0),
    ("IN", "India", "Asia", 0.0),
    ("TH", "Thailand", "Asia", 0.0),
    ("CN", "China", "Asia", 0.0),
    ("SG", "Singapore", "Asia", 0.0),
    ("AU", "Australia", "Oceania", 0.0),
    ("BR", "Brazil", "South America", 0.0),
    ("MX", "Mexico", "North America", 0.0),
]
COUNTRY_TABLE = pd.DataFrame(
    _COUNTRY_ROWS, columns=["country_code", "country_name", "region", "usual_weight"]
)

# Eircode-like routing keys and their region
_POSTCODE_ROWS: list[tuple[str, str, float]] = [
    *[(f"D{n:02d}", "Dublin", 1.0) for n in range(1, 25)],
    ("D6W", "Dublin", 1.0),
    ("A94", "Dublin", 1.5),
    ("K78", "Dublin", 1.5),
    ("A96", "Dublin", 1.0),
    ("T12", "Cork", 2.5),
    ("T23", "Cork", 1.5),
    ("P31", "Cork", 0.8),
    ("P43", "Cork", 0.6),
    ("H91", "Galway", 2.0),
    ("V94", "Limerick", 1.8),
    ("X91", "Waterford", 1.2),
    ("R95", "Kilkenny", 0.8),
    ("W91", "Kildare", 1.5),
    ("A63", "Wicklow", 0.9),
    ("A82", "Meath", 1.0),
    ("A92", "Louth", 1.0),
    ("N37", "Westmeath", 0.7),
    ("R32", "Laois", 0.6),
    ("Y35", "Wexford", 0.9),
    ("E91", "Tipperary", 0.8),
    ("V92", "Kerry", 0.9),
    ("V95", "Clare", 0.8),
    ("F91", "Sligo", 0.6),
    ("F23", "Mayo", 0.7),
    ("F92", "Donegal", 0.9),
    ("H12", "Cavan", 0.5),
    ("H18", "Monaghan", 0.5),
    ("N39", "Longford", 0.4),
    ("R35", "Offaly", 0.5),
]
POSTCODE_TABLE = pd.DataFrame(_POSTCODE_ROWS, columns=["postcode_area", "region", "weight"])


def mcc_frame() -> pd.DataFrame:
    """The ``mcc`` reference extract (mcc, description, category_group)."""
    return MCC_TABLE[["mcc", "description", "category_group"]].copy()


def country_frame() -> pd.DataFrame:
    """The ``countries`` reference extract (country_code, country_name, region)."""
    return COUNTRY_TABLE[["country_code", "country_name", "region"]].copy()


def postcode_frame() -> pd.DataFrame:
    """The ``postcodes`` reference extract (postcode_area, region)."""
    return POSTCODE_TABLE[["postcode_area", "region"]].copy()
