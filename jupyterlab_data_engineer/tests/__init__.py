"""Tests of the jupyterlab_data_engineer server extension."""
