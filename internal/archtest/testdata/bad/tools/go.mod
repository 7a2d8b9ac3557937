module example.com/bad/tools

go 1.26
