"""Column types of the raw extracts (the written schema; see docs/data_contract.md)."""

from __future__ import annotations

import pyarrow as pa

__all__ = ["SCHEMAS"]

_S, _D, _F, _I = pa.string(), pa.date32(), pa.float64(), pa.int64()

SCHEMAS: dict[str, dict[str, pa.DataType]] = {
    "customers": {
        "customer_id": _S,
        "first_name": _S,
        "last_name": _S,
        "birth_date": _D,
        "address": _S,
        "postcode": _S,
        "city": _S,
        "email": _S,
        "phone": _S,
        "national_id": _S,
        "onboarding_date": _D,
        "marital_status": _S,
        "pep_flag": pa.bool_(),
    },
    "customer_attributes": {
        "customer_id": _S,
        "effective_from": _D,
        "segment": _S,
        "employment_status": _S,
        "annual_income": _F,
        "kyc_risk_rating": _S,
    },
    "accounts": {
        "account_id": _S,
        "customer_id": _S,
        "product_type": _S,
        "open_date": _D,
        "close_date": _D,
        "credit_limit": _F,
        "principal": _F,
        "interest_rate": _F,
        "term_months": _I,
    },
    "balances": {
        "account_id": _S,
        "month_end": _D,
        "balance": _F,
        "credit_limit": _F,
        "instalment_due": _F,
        "instalment_paid": _F,
        "days_past_due": _I,
    },
}
