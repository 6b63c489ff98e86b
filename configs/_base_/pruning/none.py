# No token pruning: every block runs on every token (the unpruned baseline).
model = dict(backbone=dict(pruning=dict(_delete_=True, type='NoPrune')))
