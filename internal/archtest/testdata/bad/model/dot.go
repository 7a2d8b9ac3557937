package model

import . "time"

var deadline = Now()
