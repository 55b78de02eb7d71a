module github.com/AlecAivazis/survey/v2

require (
	github.com/Netflix/go-expect v0.0.0-20220104043353-73e0943537d2
	github.com/creack/pty v1.1.17
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/hinshun/vt10x v0.0.0-20220119200601-820417d04eec
	github.com/kballard/go-shellquote v0.0.0-20180428030007-95032a82bc51
	github.com/mattn/go-colorable v0.1.2 // indirect
	github.com/mattn/go-isatty v0.0.8
	github.com/mgutz/ansi v0.0.0-20170206155736-9520e82c474b
	github.com/stretchr/testify v1.6.1
	golang.org/x/term v0.0.0-20210927222741-03fcf44c2211
	golang.org/x/text v0.4.0
)

go 1.13
