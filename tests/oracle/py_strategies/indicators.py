"""Indicators the test strategies share (a module of the strategies'
folder, so it travels with them into the journal)."""

import pandas as pd


def SMA(values, n):
    return pd.Series(values).rolling(n).mean()


def highest(values, n):
    return pd.Series(values).rolling(n).max()


def lowest(values, n):
    return pd.Series(values).rolling(n).min()
