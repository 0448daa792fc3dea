"""Açık Kapı common library."""
