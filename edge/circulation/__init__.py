"""Circulation: patron identification, the stack on the pad, and checkout,
return and renew as journaled transactions that keep the ILS loan and the
tag's security state in step, online and offline."""
