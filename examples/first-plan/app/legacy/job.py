print("legacy job: 3 accounts processed")
