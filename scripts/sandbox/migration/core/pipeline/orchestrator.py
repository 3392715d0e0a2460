print('unified orchestrator')
