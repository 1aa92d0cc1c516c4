import pytest
from django.core.management import execute_from_command_line, call_command
from tests.files import *
from jixiao.org.models import Person
from jixiao.assessment.models import Period

@pytest.mark.django_db
def test_probe(tmp_path, capsys):
    f = write_csv(tmp_path / "r.csv", roster_rows([["000123", "张三", "市财政局", "一般干部", "科员"], ["000124", "李四", "市财政局", "一般干部", "科员"]]), encoding="gbk")
    execute_from_command_line(["jixiao", "import", "roster", str(f), "--period", "2023H1"])
    out = capsys.readouterr()
    print(out)
    f2 = write_csv(tmp_path / "s.csv", scores_rows([["000123", "abc"], ["000999", ""], ["000123", "90"]]))
    with pytest.raises(SystemExit) as e:
        execute_from_command_line(["jixiao", "import", "scores", str(f2), "--period", "2023H1"])
    out = capsys.readouterr()
    print(e.value.code, out)
    print(list(Person.objects.values_list("staff_id", flat=True)))
    with pytest.raises(SystemExit) as e:
        execute_from_command_line(["jixiao", "import", "scores", str(f2), "--period", "2024H1", "--dry-run"])
    print(Period.objects.all())
    assert 0
