# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore a client
#
# KPI tiles with the change on the previous period; views of active people (by day, week or month), response rate, community status, adoption, personas, the department matrix and the key people; quick ranges; a filter on every roster attribute (only values held by at least the minimum group size are offered, and a combination below it hides everything); a community drill-down in which every view, the tiles and the status line are the community's own; *Reset* and *Export view* (an Excel-safe CSV and a PNG in the client's `exports/`; nothing while the screen is withheld). A selection that differs from one already shown in this session by fewer people than the minimum group size is withheld too: subtracting one from the other would show that small group. `esnkit lab CLIENT` opens JupyterLab on the client's own copy of this notebook in its `lab/` folder, which holds nothing else; its saves keep no outputs.

# %% tags=["parameters"]
import os

client_dir: str = os.environ.get("ESNKIT_CLIENT_DIR", "../tests/fixtures/tiny-client")  # the client folder

# %%
from esnkit.widgets import Explorer

explorer = Explorer.for_client(client_dir)
explorer.widget
