FETCH = 'database'
