# writer test bed: carbon, InfluxDB (issue 6)
