package rdb

import (
	"example.com/clean/model"
	"example.com/clean/model/resp"
)

const Magic = "REDIS"

var _ = resp.Version
var _ = model.Name
