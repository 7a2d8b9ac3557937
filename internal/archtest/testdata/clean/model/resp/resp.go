package resp

const Version = 2
