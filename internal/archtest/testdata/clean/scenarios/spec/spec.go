package spec

import "example.com/clean/model"
