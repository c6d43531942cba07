"""Test infrastructure shared by every module (the browser-test plugin lives in browser.py)."""
