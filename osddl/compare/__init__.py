"""Comparisons with other tools' output (`dmm_compare`)."""
