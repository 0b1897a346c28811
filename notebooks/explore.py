# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore a client
#
# Pick a date range, filter by department or location, choose a metric, and drill into a community. Set `client_dir` below (or open this notebook with `esnkit lab CLIENT`).

# %% tags=["parameters"]
import os

client_dir: str = os.environ.get("ESNKIT_CLIENT_DIR", "../tests/fixtures/tiny-client")  # the client folder

# %%
from esnkit.widgets import Explorer

explorer = Explorer.for_client(client_dir)
explorer.widget
