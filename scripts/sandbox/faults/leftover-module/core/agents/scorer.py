SCORER = 'agents'
