"""Incentives: volume and growth rebates and SPIFFs computed from clean POS lines, accrued per
partner and quarter into an append-only ledger, reviewed and paid by finance, with statements
partners download and a what-if replay of a program's changed terms."""
