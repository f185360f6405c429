module scfm/callouts

go 1.26

require scfm/shared v0.0.0

require (
	github.com/stretchr/testify v1.12.1 // indirect
	golang.org/x/crypto v0.59.0 // indirect
)

replace scfm/shared => ../../shared
