//! Realistic made-up subscribers and buildings for the demo tenant, benchmarks and load
//! tests: Russian names, patronymics and addresses from built-in word lists, phones, e-mails,
//! valid ИНН/КПП for organisations. Deterministic: the same seed makes the same data.

use crm_domain::subscriber::{BuildingInput, SubscriberInput};

/// SplitMix64: tiny, fast, and good enough for made-up data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Male surnames whose female form adds `а` (or, for `-ский`/`-цкий`, ends in `-ая`).
const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Ерёмин",
    "Тихомиров",
    "Галкин",
    "Лукьянов",
    "Михеев",
    "Скворцов",
    "Юдин",
    "Белоусов",
    "Нестеров",
    "Симонов",
    "Прокофьев",
    "Харитонов",
    "Князев",
    "Цветков",
    "Левин",
    "Митрофанов",
    "Воронцов",
    "Аксёнов",
    "Софронов",
    "Мальцев",
    "Логинов",
    "Горшков",
    "Савин",
    "Краснов",
    "Майоров",
    "Демидов",
    "Елисеев",
    "Рыбаков",
    "Сафонов",
    "Плотников",
    "Дёмин",
    "Хохлов",
    "Жданов",
    "Руденко",
    "Яковенко",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Вишневский",
    "Островский",
    "Покровский",
    "Соколовский",
    "Томашевский",
    "Белецкий",
    "Городецкий",
    "Ясинский",
];

/// Male first names with the patronymics they give (son, daughter).
const MEN: &[(&str, &str, &str)] = &[
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Валентин", "Валентинович", "Валентиновна"),
    ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Вячеслав", "Вячеславович", "Вячеславовна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Георгий", "Георгиевич", "Георгиевна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Леонид", "Леонидович", "Леонидовна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Матвей", "Матвеевич", "Матвеевна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"),
    ("Степан", "Степанович", "Степановна"),
    ("Тимофей", "Тимофеевич", "Тимофеевна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
];

const WOMEN: &[&str] = &[
    "Александра",
    "Алёна",
    "Алина",
    "Алла",
    "Анастасия",
    "Анна",
    "Валентина",
    "Валерия",
    "Вера",
    "Виктория",
    "Галина",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Жанна",
    "Зоя",
    "Ирина",
    "Кристина",
    "Ксения",
    "Лариса",
    "Лидия",
    "Любовь",
    "Людмила",
    "Маргарита",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Оксана",
    "Ольга",
    "Полина",
    "Раиса",
    "Светлана",
    "Софья",
    "Тамара",
    "Татьяна",
    "Юлия",
    "Яна",
    "Анна-Мария",
];

const CITIES: &[(&str, &str, &str)] = &[
    ("Москва", "", "101"),
    ("Санкт-Петербург", "", "190"),
    ("Тверь", "Тверская обл.", "170"),
    ("Казань", "Республика Татарстан", "420"),
    ("Самара", "Самарская обл.", "443"),
    ("Пермь", "Пермский край", "614"),
    ("Томск", "Томская обл.", "634"),
    ("Вологда", "Вологодская обл.", "160"),
    ("Ярославль", "Ярославская обл.", "150"),
    ("Кострома", "Костромская обл.", "156"),
    ("Рязань", "Рязанская обл.", "390"),
    ("Тула", "Тульская обл.", "300"),
    ("Калуга", "Калужская обл.", "248"),
    ("Владимир", "Владимирская обл.", "600"),
    ("Иваново", "Ивановская обл.", "153"),
    ("Новосибирск", "Новосибирская обл.", "630"),
    ("Екатеринбург", "Свердловская обл.", "620"),
    ("Нижний Новгород", "Нижегородская обл.", "603"),
];

const STREETS: &[&str] = &[
    "ул. Ленина",
    "ул. Советская",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Садовая",
    "ул. Школьная",
    "ул. Молодёжная",
    "ул. Лесная",
    "ул. Центральная",
    "ул. Набережная",
    "ул. Пушкина",
    "ул. Кирова",
    "ул. Октябрьская",
    "ул. Первомайская",
    "ул. Комсомольская",
    "ул. Победы",
    "ул. Строителей",
    "ул. Заводская",
    "ул. Полевая",
    "ул. Зелёная",
    "ул. Солнечная",
    "ул. Чехова",
    "ул. Ломоносова",
    "ул. Маяковского",
    "ул. Некрасова",
    "ул. Горького",
    "ул. Чапаева",
    "ул. Калинина",
    "ул. Фрунзе",
    "ул. Суворова",
    "ул. Кутузова",
    "ул. 8 Марта",
    "ул. 40 лет Победы",
    "ул. Ёлочная",
    "ул. Берёзовая",
    "ул. Фёдорова",
    "ул. Ивановская",
    "ул. Матросова",
    "ул. Островского",
    "ул. Дзержинского",
    "ул. Куйбышева",
    "ул. Свердлова",
    "ул. Энгельса",
    "ул. Белинского",
    "ул. Лермонтова",
    "ул. Тургенева",
    "пр-т Мира",
    "пр-т Ленина",
    "пр-т Победы",
    "пр-т Строителей",
    "пр-т Космонавтов",
    "пер. Школьный",
    "пер. Почтовый",
    "пер. Садовый",
    "пер. Речной",
    "б-р Победы",
    "наб. Волжская",
    "ш. Московское",
    "пл. Революции",
    "ул. Новая",
    "ул. Северная",
];

const ORGANISATION_KINDS: &[&str] = &["ООО", "АО", "ИП"];
const ORGANISATION_NAMES: &[&str] = &[
    "Ромашка",
    "Берёзка",
    "Северный ветер",
    "Уют",
    "Теплодом",
    "Вектор",
    "Альфа-Сервис",
    "Гранит",
    "Рассвет",
    "Меридиан",
    "Сфера",
    "Прогресс",
    "Магистраль",
    "Лидер",
    "Восход",
];

const TAGS: &[&str] = &[
    "льготник",
    "должник",
    "ветеран",
    "многодетные",
    "VIP",
    "новостройка",
    "субсидия",
];

/// Latin letters for e-mail addresses made from Russian names.
fn translit(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.to_lowercase().chars() {
        let latin = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' | 'ы' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ю' => "yu",
            'я' => "ya",
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(latin);
    }
    out
}

fn female_surname(male: &str) -> String {
    if let Some(stem) = male.strip_suffix("ий") {
        format!("{stem}ая")
    } else if male.ends_with("ко") {
        male.to_owned()
    } else {
        format!("{male}а")
    }
}

/// A valid 10-digit ИНН (organisation) from 9 random digits and the check digit.
fn organisation_inn(rng: &mut Rng) -> String {
    const WEIGHTS: [u64; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    let mut digits: Vec<u64> = (0..9).map(|_| rng.below(10)).collect();
    digits[0] = 1 + rng.below(9);
    let sum: u64 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    digits.push(sum % 11 % 10);
    digits.iter().map(ToString::to_string).collect()
}

/// A valid 12-digit ИНН (individual entrepreneur).
fn individual_inn(rng: &mut Rng) -> String {
    const FIRST: [u64; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    const SECOND: [u64; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    let mut digits: Vec<u64> = (0..10).map(|_| rng.below(10)).collect();
    digits[0] = 1 + rng.below(9);
    let sum: u64 = digits.iter().zip(FIRST).map(|(d, w)| d * w).sum();
    digits.push(sum % 11 % 10);
    let sum: u64 = digits.iter().zip(SECOND).map(|(d, w)| d * w).sum();
    digits.push(sum % 11 % 10);
    digits.iter().map(ToString::to_string).collect()
}

/// What else a made-up subscriber should be: its status and when it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeStatus {
    Active,
    Suspended,
    Closed,
}

/// A made-up subscriber: the input, and the status it should end up in.
#[derive(Clone, Debug)]
pub struct FakeSubscriber {
    pub input: SubscriberInput,
    pub status: FakeStatus,
}

/// Makes buildings and subscribers. Building `i` and subscriber `n` depend only on the seed and
/// their own numbers, so a generator can work in chunks.
#[derive(Clone, Debug)]
pub struct Faker {
    seed: u64,
}

/// Flats per made-up building, on average.
pub const FLATS_PER_BUILDING: u64 = 120;

impl Faker {
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    fn rng(&self, stream: u64, n: u64) -> Rng {
        let mut rng = Rng::new(self.seed ^ stream.wrapping_mul(0x2545_f491_4f6c_dd1d));
        rng.0 = rng.0.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next_u64();
        rng
    }

    /// Building `i`: a house on a street of a city.
    pub fn building(&self, i: u64) -> BuildingInput {
        let mut rng = self.rng(1, i);
        let (city, region, postcode) = CITIES[(i % CITIES.len() as u64) as usize];
        let street = rng.pick(STREETS);
        BuildingInput {
            name: String::new(),
            postcode: format!("{postcode}{:03}", rng.below(1000)),
            region: region.to_owned(),
            city: city.to_owned(),
            street: (*street).to_owned(),
            // Unique per city and street: the index makes the house number.
            house: format!("{}", i / CITIES.len() as u64 + 1),
            building: if rng.chance(15) {
                format!("{}", 1 + rng.below(4))
            } else {
                String::new()
            },
            notes: String::new(),
        }
    }

    /// Subscriber `n` living in flat `flat` of `building` (its id and input).
    pub fn subscriber(
        &self,
        n: u64,
        building_id: &str,
        building: &BuildingInput,
        flat: u64,
    ) -> FakeSubscriber {
        let mut rng = self.rng(2, n);
        let mut input = SubscriberInput {
            postcode: building.postcode.clone(),
            region: building.region.clone(),
            city: building.city.clone(),
            street: building.street.clone(),
            house: building.house.clone(),
            building: building.building.clone(),
            flat: flat.to_string(),
            building_id: building_id.to_owned(),
            ..Default::default()
        };
        let organisation = rng.chance(3);
        let local = if organisation {
            let kind = rng.pick(ORGANISATION_KINDS);
            input.kind = "organisation".into();
            if *kind == "ИП" {
                let surname = rng.pick(SURNAMES);
                let (first, _, _) = rng.pick(MEN);
                input.organisation_name = format!("ИП {surname} {first}");
                input.inn = individual_inn(&mut rng);
            } else {
                input.organisation_name = format!("{kind} «{}»", rng.pick(ORGANISATION_NAMES));
                input.inn = organisation_inn(&mut rng);
                input.kpp = format!("{:04}01001", 1000 + rng.below(9000));
            }
            translit(input.organisation_name.rsplit(' ').next().unwrap_or("org"))
        } else {
            let male = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
            let woman = rng.chance(52);
            let (father, son, daughter) = rng.pick(MEN);
            let _ = father;
            if woman {
                input.surname = female_surname(male);
                input.name = (*rng.pick(WOMEN)).to_owned();
                input.patronymic = (*daughter).to_owned();
            } else {
                input.surname = male.to_owned();
                input.name = rng.pick(MEN).0.to_owned();
                input.patronymic = (*son).to_owned();
            }
            if rng.chance(5) {
                input.patronymic.clear();
            }
            format!("{}.{}", translit(&input.surname), translit(&input.name))
        };
        let phones = match rng.below(100) {
            0..=9 => 0,
            10..=84 => 1,
            _ => 2,
        };
        input.phones = (0..phones)
            .map(|_| {
                let operator = rng.pick(&[
                    "900", "912", "915", "916", "921", "926", "960", "977", "985", "999",
                ]);
                format!("+7{operator}{:07}", rng.below(10_000_000))
            })
            .collect();
        if rng.chance(40) {
            let domain = rng.pick(&["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "rambler.ru"]);
            input.emails = vec![format!("{local}{}@{domain}", n % 1000)];
        }
        input.area = format!("{}.{}", 18 + rng.below(110), rng.below(10));
        input.residents = rng.below(6).to_string();
        input.billing_mode = if rng.chance(5) { "prepaid" } else { "postpaid" }.into();
        if rng.chance(20) {
            input.tags = vec![(*rng.pick(TAGS)).to_owned()];
            if rng.chance(15) {
                input.tags.push((*rng.pick(TAGS)).to_owned());
            }
        }
        if rng.chance(5) {
            input.notes = "Доступ в квартиру по звонку".into();
        }
        let year = 2015 + rng.below(11) as i32;
        let month = 1 + rng.below(12) as u32;
        let day = 1 + rng.below(28) as u32;
        input.opened_on = format!("{year:04}-{month:02}-{day:02}");
        let status = match rng.below(100) {
            0..=91 => FakeStatus::Active,
            92..=94 => FakeStatus::Suspended,
            _ => FakeStatus::Closed,
        };
        FakeSubscriber { input, status }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use crm_domain::requisites::Inn;

    use super::*;

    #[test]
    fn made_up_data_is_valid_and_repeatable() {
        let faker = Faker::new(42);
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        for i in 0..30 {
            let building = faker.building(i);
            building.validate().unwrap();
            for n in 0..40 {
                let fake = faker.subscriber(i * 40 + n, "b1", &building, n + 1);
                if let Err(errors) = fake.input.validate(today) {
                    panic!("{:?}: {errors:?}", fake.input);
                }
            }
        }
        assert_eq!(
            faker.subscriber(7, "b", &faker.building(1), 3).input,
            Faker::new(42)
                .subscriber(7, "b", &faker.building(1), 3)
                .input
        );
        let mut rng = Rng::new(1);
        for _ in 0..200 {
            Inn::parse(&organisation_inn(&mut rng)).unwrap();
            Inn::parse(&individual_inn(&mut rng)).unwrap();
        }
        assert_eq!(female_surname("Вишневский"), "Вишневская");
        assert_eq!(female_surname("Фёдоров"), "Фёдорова");
        assert_eq!(translit("Фёдорова Анна"), "fedorovaanna");
    }
}
