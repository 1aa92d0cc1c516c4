"""What one imported file may cost, checked before it is read and while it is read.

An assessor can upload any file. Without bounds a 5 KB workbook declaring the sheet
A1:XFD1048576 costs an hour of CPU and a 4.7 MB zip bomb unpacks to 1.5 GB; with them
every file is refused or read within seconds and a few hundred MB.
"""

MB = 1024 * 1024

# A file named on the command line. A roster of a million people saved by Excel as CSV
# is about 75 MB; uploads through the browser have their own, smaller limit.
MAX_FILE_BYTES = 128 * MB
MAX_UPLOAD_BYTES = 20 * MB
# The parts of an .xlsx together, as its zip directory declares them (zipfile stops
# reading a part at its declared size, so the declaration cannot lie). Excel and WPS
# compress sheets 5–10×: a full 20 MB upload unpacks to well under this.
MAX_UNPACKED_BYTES = 256 * MB
# Excel's own limits on a sheet; a CSV with more rows is not a spreadsheet anyone made.
MAX_ROWS = 1_048_576
# Far more than any import file has (a score sheet has one column per indicator).
MAX_COLUMNS = 256
# Problems listed before reading stops: nobody reads further, and a file of a million bad
# rows must not build a million messages.
MAX_PROBLEMS = 500
