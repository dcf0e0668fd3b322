"""Information sharing between partners: requests, their lifecycle, the register and board pack."""
