package bad

import "example.com/bad"
