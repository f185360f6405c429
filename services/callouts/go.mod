module scfm/callouts

go 1.26

require scfm/shared v0.0.0

replace scfm/shared => ../../shared
